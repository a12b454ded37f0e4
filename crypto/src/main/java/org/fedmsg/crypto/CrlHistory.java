package org.fedmsg.crypto;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;

/**
 * What a trust store remembers about CRLs for as long as it runs, across every reload: the newest
 * CRL accepted from each issuer (so an older one, validly signed but rolled back, is refused), the
 * serials each issuer ever listed as revoked (so a revoked certificate never becomes valid again),
 * and the intermediate CAs seen in validated chains (so their CRLs can be checked at load too).
 * Only CRLs whose signature was verified feed it. Thread-safe.
 */
final class CrlHistory {
  private static final String CRL_NUMBER_OID = "2.5.29.20";

  /** The newest accepted CRL of one issuer: its cRLNumber (null if absent) and thisUpdate. */
  private record Mark(BigInteger number, Instant thisUpdate) {}

  private final Map<X500Principal, Mark> newest = new ConcurrentHashMap<>();
  /** Issuer (name and key) to every serial it revoked. */
  private final Map<String, Set<BigInteger>> revoked = new ConcurrentHashMap<>();
  private final Map<X500Principal, List<X509Certificate>> intermediates = new ConcurrentHashMap<>();

  /**
   * Checks that every CRL of a new load may replace what is in force: a CRL whose issuer is a
   * known CA (a trust anchor or an intermediate seen in a validated chain) must be signed by it,
   * and no CRL may be older than the newest accepted from its issuer. CRLs of issuers not known
   * yet are let through: the validator checks their signature at use, as before.
   *
   * @return null if the load is acceptable, else why not (naming the issuer)
   */
  String check(List<X509CRL> crls, List<X509Certificate> anchors) {
    for (X509CRL crl : crls) {
      X500Principal issuer = crl.getIssuerX500Principal();
      List<X509Certificate> known = knownIssuers(issuer, anchors);
      if (!known.isEmpty() && verifyingIssuer(crl, known) == null) {
        return "CRL of " + issuer.getName() + " is not signed by that CA";
      }
      Mark mark = newest.get(issuer);
      if (mark != null && isOlder(crl, mark)) {
        return "CRL of " + issuer.getName() + " (" + describe(crl) + ") is older than the one already accepted ("
            + describe(mark) + ")";
      }
    }
    return null;
  }

  /**
   * Records a load that passed {@link #check}: the newest mark and the revoked serials of every
   * CRL whose signature verifies with a known issuer.
   */
  void recordLoad(List<X509CRL> crls, List<X509Certificate> anchors) {
    for (X509CRL crl : crls) {
      X509Certificate by = verifyingIssuer(crl, knownIssuers(crl.getIssuerX500Principal(), anchors));
      if (by != null) {
        recordVerified(crl, by);
      }
    }
  }

  /**
   * Records a CRL the validator found signed by {@code issuer} (a CA of a chain that validated),
   * and remembers that CA so that its next CRL is checked at load.
   */
  void recordVerified(X509CRL crl, X509Certificate issuer) {
    Set<BigInteger> serials = revoked.computeIfAbsent(issuerKey(issuer), k -> ConcurrentHashMap.newKeySet());
    Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
    if (entries != null) {
      for (X509CRLEntry e : entries) {
        serials.add(e.getSerialNumber());
      }
    }
    newest.merge(crl.getIssuerX500Principal(), mark(crl), (a, b) -> isOlder(b, a) ? a : b);
  }

  /** Remembers an intermediate CA of a validated chain, so that its CRLs can be verified at load. */
  void learnIntermediate(X509Certificate ca) {
    List<X509Certificate> list = intermediates.computeIfAbsent(ca.getSubjectX500Principal(), k -> new ArrayList<>());
    synchronized (list) {
      if (list.stream().noneMatch(c -> c.getPublicKey().equals(ca.getPublicKey())) && list.size() < 8) {
        list.add(ca);
      }
    }
  }

  /** Whether {@code issuer} ever listed {@code serial} as revoked in a CRL it signed. */
  boolean everRevoked(X509Certificate issuer, BigInteger serial) {
    if (revoked.isEmpty()) {
      return false;
    }
    Set<BigInteger> serials = revoked.get(issuerKey(issuer));
    return serials != null && serials.contains(serial);
  }

  private List<X509Certificate> knownIssuers(X500Principal name, List<X509Certificate> anchors) {
    List<X509Certificate> out = new ArrayList<>();
    for (X509Certificate a : anchors) {
      if (a.getSubjectX500Principal().equals(name)) {
        out.add(a);
      }
    }
    List<X509Certificate> learned = intermediates.get(name);
    if (learned != null) {
      synchronized (learned) {
        out.addAll(learned);
      }
    }
    return out;
  }

  private static X509Certificate verifyingIssuer(X509CRL crl, List<X509Certificate> candidates) {
    for (X509Certificate c : candidates) {
      if (signedBy(crl, c.getPublicKey())) {
        return c;
      }
    }
    return null;
  }

  static boolean signedBy(X509CRL crl, PublicKey key) {
    try {
      crl.verify(key);
      return true;
    } catch (Exception e) {
      // any failure (bad signature, unsupported algorithm, wrong key type) means "not signed by"
      return false;
    }
  }

  private static String issuerKey(X509Certificate issuer) {
    return issuer.getSubjectX500Principal().getName() + "|"
        + HexFormat.of().formatHex(Certificates.sha256(issuer.getPublicKey().getEncoded()));
  }

  /** cRLNumber when both have one, else thisUpdate. */
  private static boolean isOlder(X509CRL crl, Mark than) {
    return isOlder(mark(crl), than);
  }

  private static boolean isOlder(Mark a, Mark than) {
    if (a.number() != null && than.number() != null) {
      return a.number().compareTo(than.number()) < 0;
    }
    return a.thisUpdate().isBefore(than.thisUpdate());
  }

  private static Mark mark(X509CRL crl) {
    return new Mark(crlNumber(crl), crl.getThisUpdate().toInstant());
  }

  private static String describe(X509CRL crl) {
    return describe(mark(crl));
  }

  private static String describe(Mark m) {
    return (m.number() != null ? "cRLNumber " + m.number() + ", " : "") + "thisUpdate " + m.thisUpdate();
  }

  /** The CRL's cRLNumber extension, or null if absent or unreadable. */
  static BigInteger crlNumber(X509CRL crl) {
    byte[] ext = crl.getExtensionValue(CRL_NUMBER_OID);
    if (ext == null) {
      return null;
    }
    // OCTET STRING { INTEGER }: short DER lengths only (a cRLNumber is at most 20 octets)
    if (ext.length < 4 || ext[0] != 0x04 || ext[2] != 0x02) {
      return null;
    }
    int len = ext[3] & 0xff;
    if (len == 0 || len > 21 || 4 + len > ext.length) {
      return null;
    }
    byte[] value = new byte[len];
    System.arraycopy(ext, 4, value, 0, len);
    return new BigInteger(value);
  }

  /** For diagnostics: issuer name to its newest accepted mark. */
  Map<String, String> newestByIssuer() {
    Map<String, String> out = new HashMap<>();
    newest.forEach((k, v) -> out.put(k.getName(), describe(v)));
    return out;
  }
}
