package org.fedmsg.crypto;

import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.fedmsg.crypto.VerificationResult.Reason;

/**
 * Certificate chain validation as OpenSSL does it for the reference (with {@code CRL_CHECK |
 * CRL_CHECK_ALL}), written out because the JDK's PKIX refuses the legacy algorithms fedmsg/1 uses.
 *
 * <p>Checks, in order, each failing with its own reason: a path from the leaf through presented
 * intermediates to a trusted CA, every signature verifying (UNTRUSTED_CHAIN); every issuer a CA by
 * basicConstraints, path length and keyUsage (UNTRUSTED_CHAIN); keys and signature digests allowed
 * by the profile and operator minimums (WEAK_ALGORITHM); validity dates of every certificate at
 * the instant (CERT_NOT_YET_VALID, CERT_EXPIRED); for every certificate below the trust anchor, a
 * CRL signed by its issuer and not past {@code nextUpdate} (CRL_UNAVAILABLE) that does not list it
 * (CERT_REVOKED), the self-issued anchor included as OpenSSL's CRL_CHECK_ALL does; and no
 * certificate whose serial its CA once revoked ({@link CrlHistory}, CERT_REVOKED). Thread-safe.
 */
final class ChainValidator {
  static final int MAX_DEPTH = 8;

  private ChainValidator() {}

  /** A chain that passed; what a cache hit needs to re-check cheaply. */
  record Verified(
      PublicKey key,
      Keys.Kind kind,
      SignerIdentity identity,
      Instant notBefore,
      Instant notAfter,
      Instant crlUsableUntil,
      boolean degraded,
      String degradedDetail) {}

  /** Either {@code verified} or {@code invalid} is non-null. */
  record Outcome(Verified verified, VerificationResult.Invalid invalid) {
    static Outcome fail(Reason reason, String detail) {
      return new Outcome(null, new VerificationResult.Invalid(reason, detail));
    }
  }

  static Outcome validate(TrustState state, TrustOptions opts, List<X509Certificate> chain, Instant at, Profile profile) {
    if (state.anchors().isEmpty()) {
      return Outcome.fail(Reason.UNTRUSTED_CHAIN, "no CA certificate loaded: " + state.caProblem());
    }
    X509Certificate leaf = chain.get(0);
    try {
      Certificates.commonName(leaf); // one identity per certificate: refuse names read two ways
    } catch (IllegalArgumentException e) {
      return Outcome.fail(Reason.UNTRUSTED_CHAIN, e.getMessage());
    }

    // 1. Build the path leaf -> ... -> anchor.
    List<X509Certificate> path = new ArrayList<>();
    path.add(leaf);
    X509Certificate current = leaf;
    boolean anchored = false;
    String signatureProblem = null;
    for (int depth = 0; depth < MAX_DEPTH && !anchored; depth++) {
      if (state.isAnchor(current)) {
        anchored = true;
        break;
      }
      X509Certificate next = null;
      for (X509Certificate a : state.anchors()) {
        if (issued(a, current)) {
          if (signedBy(current, a.getPublicKey())) {
            next = a;
            anchored = true;
            break;
          }
          signatureProblem = "signature of " + name(current) + " does not verify with CA " + name(a);
        }
      }
      if (next == null) {
        for (int i = 1; i < chain.size(); i++) {
          X509Certificate c = chain.get(i);
          if (c != current && issued(c, current) && !path.contains(c)) {
            if (signedBy(current, c.getPublicKey())) {
              next = c;
              break;
            }
            signatureProblem = "signature of " + name(current) + " does not verify with " + name(c);
          }
        }
      }
      if (next == null) {
        return Outcome.fail(Reason.UNTRUSTED_CHAIN, signatureProblem != null ? signatureProblem
            : "no trusted CA issued " + name(current) + " (issuer " + current.getIssuerX500Principal().getName() + ")");
      }
      path.add(next);
      current = next;
    }
    if (!anchored) {
      return Outcome.fail(Reason.UNTRUSTED_CHAIN, "chain longer than " + MAX_DEPTH);
    }

    // 2. Every issuer must be a CA.
    int intermediatesBelow = 0;
    for (int i = 1; i < path.size(); i++) {
      X509Certificate ca = path.get(i);
      int pathLen = ca.getBasicConstraints();
      boolean v1Anchor = ca.getVersion() == 1 && state.isAnchor(ca);
      if (pathLen < 0 && !v1Anchor) {
        return Outcome.fail(Reason.UNTRUSTED_CHAIN, name(ca) + " is not a CA (basicConstraints)");
      }
      if (pathLen >= 0 && intermediatesBelow > pathLen) {
        return Outcome.fail(Reason.UNTRUSTED_CHAIN, name(ca) + " path length constraint exceeded");
      }
      boolean[] ku = ca.getKeyUsage();
      if (ku != null && (ku.length < 6 || !ku[5])) {
        return Outcome.fail(Reason.UNTRUSTED_CHAIN, name(ca) + " key usage lacks keyCertSign");
      }
      intermediatesBelow++;
    }

    // 3. Algorithms: keys of every certificate, signatures below the anchor.
    for (int i = 0; i < path.size(); i++) {
      X509Certificate c = path.get(i);
      String weak = weakKey(c.getPublicKey(), opts, profile);
      if (weak != null) {
        return Outcome.fail(Reason.WEAK_ALGORITHM, name(c) + ": " + weak);
      }
      boolean isAnchor = i == path.size() - 1;
      if (!isAnchor) {
        String why = weakDigest(Certificates.digestOf(c.getSigAlgOID()), c.getSigAlgName(), opts, profile);
        if (why != null) {
          return Outcome.fail(Reason.WEAK_ALGORITHM, name(c) + " signature: " + why);
        }
      }
    }

    // 4. Dates of every certificate.
    Date when = Date.from(at);
    Instant notBefore = Instant.MIN;
    Instant notAfter = Instant.MAX;
    for (X509Certificate c : path) {
      if (when.before(c.getNotBefore())) {
        return Outcome.fail(Reason.CERT_NOT_YET_VALID, name(c) + " is valid from " + c.getNotBefore().toInstant());
      }
      if (when.after(c.getNotAfter())) {
        return Outcome.fail(Reason.CERT_EXPIRED, name(c) + " expired at " + c.getNotAfter().toInstant());
      }
      notBefore = max(notBefore, c.getNotBefore().toInstant());
      notAfter = min(notAfter, c.getNotAfter().toInstant());
    }

    // 5. Revocation of every certificate of the path. As OpenSSL with CRL_CHECK_ALL (the
    // reference), a self-issued anchor is checked against its own CRL too, so that a message
    // signed directly by the CA is rejected under an expired CRL like any other.
    Instant crlUsableUntil = Instant.MAX;
    boolean degraded = false;
    String degradedDetail = null;
    CrlHistory history = state.crlHistory();
    int last = path.size() - 1;
    for (int i = 0; i <= last; i++) {
      X509Certificate c = path.get(i);
      X509Certificate issuer = i < last ? path.get(i + 1) : selfIssued(c) ? c : null;
      if (issuer == null) {
        break;
      }
      if (history != null && history.everRevoked(issuer, c.getSerialNumber())) {
        // a serial once listed by a CRL its CA signed stays revoked, whatever CRL replaced it
        return Outcome.fail(Reason.CERT_REVOKED, name(c) + " (serial " + serial(c) + ") was revoked by an earlier CRL");
      }
      if (!state.crlConfigured()) {
        continue;
      }
      X509CRL crl = null;
      String problem = null;
      if (state.crls().isEmpty()) {
        problem = "CRL not loaded: " + state.crlProblem();
      } else {
        for (X509CRL candidate : state.crls()) {
          if (!candidate.getIssuerX500Principal().equals(c.getIssuerX500Principal())) {
            continue;
          }
          if (!CrlHistory.signedBy(candidate, issuer.getPublicKey())) {
            problem = "CRL for " + issuer.getSubjectX500Principal().getName() + " is not signed by that CA";
            continue;
          }
          crl = candidate;
          break;
        }
        if (crl == null && problem == null) {
          problem = "no CRL from " + c.getIssuerX500Principal().getName();
        }
      }
      if (crl != null) {
        String why = weakDigest(Certificates.digestOf(crl.getSigAlgOID()), crl.getSigAlgName(), opts, profile);
        if (why != null) {
          return Outcome.fail(Reason.WEAK_ALGORITHM, "CRL of " + issuer.getSubjectX500Principal().getName() + ": " + why);
        }
        if (history != null && i + 1 < last) {
          // an intermediate CA of a chain that reached an anchor: remember it and what its CRL revoked
          history.learnIntermediate(issuer);
          history.recordVerified(crl, issuer);
        }
        if (crl.getRevokedCertificate(c) != null) {
          return Outcome.fail(Reason.CERT_REVOKED, name(c) + " (serial " + serial(c) + ") is revoked");
        }
        if (crl.getNextUpdate() != null) {
          Instant next = crl.getNextUpdate().toInstant();
          Instant usable = next.plus(opts.crlGracePeriod);
          if (at.isAfter(usable)) {
            problem = "CRL of " + issuer.getSubjectX500Principal().getName() + " expired at " + next;
          } else {
            crlUsableUntil = min(crlUsableUntil, usable);
          }
        }
      }
      if (problem != null) {
        if (opts.crlFailureMode == CrlFailureMode.FAIL_CLOSED) {
          return Outcome.fail(Reason.CRL_UNAVAILABLE, problem);
        }
        degraded = true;
        degradedDetail = problem;
      }
    }

    return new Outcome(new Verified(leaf.getPublicKey(), Keys.kind(leaf.getPublicKey()), Certificates.identity(leaf),
        notBefore, notAfter, crlUsableUntil, degraded, degradedDetail), null);
  }

  /** Why a key is too weak for the profile and options, or null if it is fine. */
  static String weakKey(PublicKey key, TrustOptions opts, Profile profile) {
    Keys.Kind kind = Keys.kind(key);
    if (kind == Keys.Kind.RSA) {
      int bits = Keys.rsaBits(key);
      int min = Math.max(opts.minRsaBits, profile == Profile.STRONG ? 2048 : 0);
      return bits < min ? "RSA key of " + bits + " bits (minimum " + min + ")" : null;
    }
    if (profile == Profile.STRONG && kind != Keys.Kind.EC_P256 && kind != Keys.Kind.ED25519) {
      return Keys.describe(key) + " key is not allowed in the strong profile";
    }
    return null;
  }

  /** Why a digest is not allowed, or null if it is. */
  static String weakDigest(Digest digest, String algName, TrustOptions opts, Profile profile) {
    if (digest == null) {
      boolean restricted = profile == Profile.STRONG || opts.allowedDigests.size() < Digest.values().length;
      return restricted ? "unrecognised signature algorithm " + algName : null;
    }
    if (profile == Profile.STRONG && !digest.isStrong()) {
      return digest + " is not allowed in the strong profile";
    }
    Set<Digest> allowed = opts.allowedDigests;
    return allowed.contains(digest) ? null : digest + " is not an allowed digest";
  }

  private static boolean issued(X509Certificate issuer, X509Certificate subject) {
    return issuer.getSubjectX500Principal().equals(subject.getIssuerX500Principal());
  }

  private static boolean signedBy(X509Certificate cert, PublicKey key) {
    try {
      cert.verify(key);
      return true;
    } catch (Exception e) {
      // any failure to verify (bad signature, unsupported algorithm, wrong key type) means "not signed by"
      return false;
    }
  }

  private static boolean selfIssued(X509Certificate c) {
    return c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && signedBy(c, c.getPublicKey());
  }

  private static String serial(X509Certificate c) {
    return c.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT);
  }

  private static String name(X509Certificate c) {
    return "'" + Certificates.displayName(c) + "'";
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
