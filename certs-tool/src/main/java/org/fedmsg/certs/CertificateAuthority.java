package org.fedmsg.certs;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x509.GeneralName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate authority kept in one directory, the {@code ssldir} the bus reads:
 *
 * <pre>
 *   ca.crt  ca.key (0600)  crl.pem  fedmsg-certs.json (state)  .fedmsg-certs.lock
 *   &lt;certname&gt;.crt  &lt;certname&gt;.key (0600)  [&lt;certname&gt;.curve  &lt;certname&gt;.curve_secret (0600)]
 * </pre>
 *
 * <p>Start with {@link #init} (a new CA) or {@link #open} (an existing one). Every operation
 * that changes the directory takes the directory's lock, re-reads the state file, and writes
 * all its files atomically (all or none), so concurrent runs in threads or processes are safe
 * and a failure leaves no partial file. Instances are thread-safe.
 *
 * <p>The CA private key is read only when something must be signed ({@link #issue},
 * {@link #renew}, {@link #writeCrl}); {@link #list} and {@link #revoke} work without the
 * passphrase. The passphrase is copied in; {@link #close} wipes that copy, so use the CA in a
 * try-with-resources block.
 */
@SuppressWarnings("try") // the directory lock is held by try-with-resources without being read
public final class CertificateAuthority implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);

  /** The CA certificate file name. */
  public static final String CA_CERT = "ca.crt";
  /** The CA private key file name. */
  public static final String CA_KEY = "ca.key";
  /** The CRL file name. */
  public static final String CRL = "crl.pem";

  /** Service certificates start a little in the past so that slow clocks accept them at once. */
  static final Duration BACKDATE = Duration.ofMinutes(5);
  /** How long {@link #init} makes the first, empty CRL valid. */
  static final Duration INITIAL_CRL_VALIDITY = Duration.ofDays(30);
  private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final char[] passphrase;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final X509Certificate caCertificate;
  private volatile boolean closed;

  private CertificateAuthority(Path dir, char[] passphrase, Clock clock, X509Certificate caCertificate) {
    this.dir = dir;
    this.passphrase = passphrase == null ? null : passphrase.clone();
    this.clock = clock;
    this.caCertificate = caCertificate;
  }

  /**
   * Creates a new CA in {@code dir} (created if needed): {@code ca.key} (0600, encrypted when a
   * passphrase is given), {@code ca.crt}, an empty {@code crl.pem} valid for 30 days and a new
   * state file.
   *
   * @param dir the directory, not null
   * @param name the CA's common name, not blank
   * @param keyType a CA-capable key type ({@link KeyType#caCapable()})
   * @param validity how long the CA certificate is valid, positive
   * @param passphrase encrypts the CA key; null for an unencrypted key. Copied, not kept by the caller's array.
   * @param force replace an existing CA (its certificates will no longer verify)
   * @return the new CA
   * @throws CertsException {@link CertsException.Reason#ALREADY_EXISTS} when a CA exists and
   *     {@code force} is false; {@link CertsException.Reason#UNSUPPORTED_KEY_TYPE};
   *     {@link CertsException.Reason#UNREADABLE} when the directory cannot be created or written;
   *     {@link CertsException.Reason#INVALID_ARGUMENT}
   */
  public static CertificateAuthority init(Path dir, String name, KeyType keyType, Duration validity,
      char[] passphrase, boolean force) {
    return init(dir, name, keyType, validity, passphrase, force, Clock.systemUTC());
  }

  static CertificateAuthority init(Path dir, String name, KeyType keyType, Duration validity,
      char[] passphrase, boolean force, Clock clock) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(keyType, "keyType");
    if (name == null || name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "the CA needs a name (--name)");
    }
    if (!keyType.caCapable()) {
      throw new CertsException(CertsException.Reason.UNSUPPORTED_KEY_TYPE, "key type " + keyType.cliName()
          + " is not supported for a CA (supported: " + KeyType.names(true) + ")");
    }
    checkPositive(validity);
    createDirectory(dir);
    CertificateAuthority ca;
    try (DirLock lock = DirLock.acquire(dir, LOCK_TIMEOUT)) {
      if (!force) {
        for (String f : List.of(CA_CERT, CA_KEY, StateFile.FILE_NAME)) {
          if (Files.exists(dir.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
            throw new CertsException(CertsException.Reason.ALREADY_EXISTS,
                "a CA already exists in " + dir + " (" + f + "); use --force to replace it");
          }
        }
      }
      SecureRandom random = new SecureRandom();
      KeyPair kp = keyType.generate(random);
      Instant now = clock.instant();
      BigInteger serial = CertBuilder.randomSerial(random);
      X509Certificate cert = CertBuilder.buildCa(name.strip(), kp.getPublic(), kp.getPrivate(),
          serial, now.minus(BACKDATE), now.plus(validity));
      StateFile state = StateFile.forNewCa(name.strip(), serial, keyType);
      state.crlNumber = 1;
      X509CRL crl = CertBuilder.buildCrl(cert, kp.getPrivate(), List.of(), state.crlNumber, now,
          now.plus(INITIAL_CRL_VALIDITY));
      new FileBatch()
          .addSecret(dir.resolve(CA_KEY), PemFiles.privateKey(kp.getPrivate(), passphrase, random))
          .addPublic(dir.resolve(CA_CERT), PemFiles.certificate(cert))
          .addPublic(dir.resolve(CRL), PemFiles.crl(crl))
          .addPublic(dir.resolve(StateFile.FILE_NAME), state.toBytes())
          .commit();
      LOG.info("created CA '{}' ({}) in {}", name, keyType.cliName(), dir);
      ca = new CertificateAuthority(dir, passphrase, clock, cert);
    }
    return ca;
  }

  /**
   * Opens the CA in {@code dir}.
   *
   * @param dir the directory holding {@code ca.crt} and the state file
   * @param passphrase the CA key's passphrase, or null if it is not encrypted (or only
   *     {@link #list}/{@link #revoke} will be used); copied
   * @throws CertsException {@link CertsException.Reason#UNREADABLE} if {@code dir} is not a
   *     readable directory; {@link CertsException.Reason#NO_CA} if it holds no CA;
   *     {@link CertsException.Reason#BAD_STATE} or {@link CertsException.Reason#INVALID_FILE}
   *     if the state file or {@code ca.crt} is damaged
   */
  public static CertificateAuthority open(Path dir, char[] passphrase) {
    return open(dir, passphrase, Clock.systemUTC());
  }

  static CertificateAuthority open(Path dir, char[] passphrase, Clock clock) {
    Objects.requireNonNull(dir, "dir");
    checkReadableDirectory(dir);
    if (!Files.exists(dir.resolve(CA_CERT)) || !Files.exists(dir.resolve(StateFile.FILE_NAME))) {
      throw new CertsException(CertsException.Reason.NO_CA,
          "no CA in " + dir + " (missing " + CA_CERT + " or " + StateFile.FILE_NAME + "); run init-ca first");
    }
    StateFile.read(dir);
    return new CertificateAuthority(dir, passphrase, clock, PemFiles.readCertificate(dir.resolve(CA_CERT)));
  }

  /** The CA's directory. */
  public Path dir() {
    return dir;
  }

  /** The CA certificate ({@code ca.crt}). */
  public X509Certificate certificate() {
    return caCertificate;
  }

  /** {@code <dir>/ca.crt}. */
  public Path certificateFile() {
    return dir.resolve(CA_CERT);
  }

  /** {@code <dir>/crl.pem}. */
  public Path crlFile() {
    return dir.resolve(CRL);
  }

  /**
   * Issues a certificate for {@code service} on {@code host}: certname and CN
   * {@code <service>-<host>}, subjectAltName {@code DNS:<host>} plus {@code sans}; writes
   * {@code <certname>.key} (0600) and {@code <certname>.crt} and records it in the state file.
   * The validity ends no later than the CA's.
   *
   * @param service service name, e.g. {@code bodhi} (letters, digits, '-', '_')
   * @param host the host's fully-qualified name
   * @param keyType the service key's type
   * @param validity how long the certificate is valid, positive
   * @param sans extra subjectAltName entries ({@code DNS:name}, {@code IP:addr}, ...), may be empty
   * @param force replace an existing certificate with the same certname
   * @throws CertsException {@link CertsException.Reason#ALREADY_EXISTS},
   *     {@link CertsException.Reason#WRONG_PASSPHRASE}, {@link CertsException.Reason#INVALID_ARGUMENT},
   *     {@link CertsException.Reason#UNREADABLE}, {@link CertsException.Reason#LOCKED}
   */
  public IssuedCertificate issue(String service, String host, KeyType keyType, Duration validity,
      List<String> sans, boolean force) {
    Names.checkService(service);
    Names.checkHost(host);
    Objects.requireNonNull(keyType, "keyType");
    checkPositive(validity);
    List<String> allSans = new ArrayList<>();
    allSans.add("DNS:" + host.toLowerCase(java.util.Locale.ROOT));
    for (String san : sans) {
      String normal = CertBuilder.normaliseSan(san);
      if (!allSans.contains(normal)) {
        allSans.add(normal);
      }
    }
    String certname = Names.certname(service, host);
    try (DirLock lock = DirLock.acquire(dir, LOCK_TIMEOUT)) {
      StateFile state = readState();
      Path crt = dir.resolve(certname + ".crt");
      Path key = dir.resolve(certname + ".key");
      if (!force) {
        for (Path existing : List.of(crt, key)) {
          if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            throw new CertsException(CertsException.Reason.ALREADY_EXISTS, existing
                + " already exists; use 'renew " + certname + "' to rotate it or --force to replace it");
          }
        }
        if (!state.entriesFor(certname).isEmpty()) {
          throw new CertsException(CertsException.Reason.ALREADY_EXISTS, "certname " + certname
              + " was already issued; use 'renew " + certname + "' to rotate it or --force to replace it");
        }
      }
      PrivateKey caKey = caKey();
      KeyPair kp = keyType.generate(random);
      Signed signed = sign(state, caKey, certname, service, host, kp.getPublic(), validity, allSans);
      CertificateEntry entry = signed.entry();
      new FileBatch()
          .addSecret(key, PemFiles.privateKey(kp.getPrivate(), null, random))
          .addPublic(crt, PemFiles.certificate(signed.certificate()))
          .addPublic(dir.resolve(StateFile.FILE_NAME), state.toBytes())
          .commit();
      LOG.info("issued {} serial {}", certname, entry.serialHex());
      return new IssuedCertificate(entry, Names.certnamesKey(service, host), crt, key);
    }
  }

  /**
   * Issues a new certificate for an existing certname, valid from now, so that the previous one
   * (still valid until its {@code notAfter}) and the new one overlap and services can switch
   * without a gap. Keeps the key unless {@code rekey} is given; the certificate file is replaced
   * atomically.
   *
   * @param certname an issued certname
   * @param validity the new certificate's validity, or null for the previous one's length
   * @param rekey the type of a fresh key to generate, or null to keep the current key
   * @throws CertsException {@link CertsException.Reason#UNKNOWN_CERTNAME};
   *     {@link CertsException.Reason#NOT_ALLOWED} when the current certificate is revoked and no
   *     new key is asked for; {@link CertsException.Reason#INVALID_FILE} when the key on disk does
   *     not match the certificate; {@link CertsException.Reason#WRONG_PASSPHRASE}
   */
  public IssuedCertificate renew(String certname, Duration validity, KeyType rekey) {
    Names.checkCertname(certname);
    if (validity != null) {
      checkPositive(validity);
    }
    try (DirLock lock = DirLock.acquire(dir, LOCK_TIMEOUT)) {
      StateFile state = readState();
      List<CertificateEntry> entries = state.entriesFor(certname);
      if (entries.isEmpty()) {
        throw unknown(certname);
      }
      CertificateEntry previous = entries.get(entries.size() - 1);
      if (previous.revoked() && rekey == null) {
        throw new CertsException(CertsException.Reason.NOT_ALLOWED, certname + " (serial "
            + previous.serialHex() + ") is revoked; renew it with a new key (--rekey)");
      }
      Path crt = dir.resolve(certname + ".crt");
      Path key = dir.resolve(certname + ".key");
      PrivateKey caKey = caKey();
      PublicKey publicKey;
      byte[] newKey = null;
      if (rekey == null) {
        PrivateKey current = PemFiles.readPrivateKey(key, null);
        publicKey = PemFiles.readCertificate(crt).getPublicKey();
        if (!KeyMatch.matches(current, publicKey)) {
          throw new CertsException(CertsException.Reason.INVALID_FILE,
              key + " does not match " + crt + "; renew with --rekey");
        }
      } else {
        KeyPair kp = rekey.generate(random);
        publicKey = kp.getPublic();
        newKey = PemFiles.privateKey(kp.getPrivate(), null, random);
      }
      Duration length = validity;
      if (length == null) {
        // The previous length as asked for: its notBefore was backdated by BACKDATE.
        Duration full = Duration.between(previous.notBefore(), previous.notAfter());
        length = full.compareTo(BACKDATE.multipliedBy(2)) > 0 ? full.minus(BACKDATE) : full;
      }
      Signed signed = sign(state, caKey, certname, previous.service(), previous.host(), publicKey,
          length, previous.subjectAltNames());
      CertificateEntry entry = signed.entry();
      FileBatch batch = new FileBatch();
      if (newKey != null) {
        batch.addSecret(key, newKey);
      }
      batch.addPublic(crt, PemFiles.certificate(signed.certificate()))
          .addPublic(dir.resolve(StateFile.FILE_NAME), state.toBytes())
          .commit();
      LOG.info("renewed {}: serial {} replaces {}", certname, entry.serialHex(), previous.serialHex());
      String configKey = previous.service() != null && previous.host() != null
          ? Names.certnamesKey(previous.service(), previous.host()) : null;
      return new IssuedCertificate(entry, configKey, crt, key);
    }
  }

  /**
   * Marks every not-yet-revoked certificate of {@code certname} (or only the one with
   * {@code serial}) as revoked in the state file. The bus sees the revocation once a new CRL is
   * written ({@link #writeCrl}) and read.
   *
   * @param certname an issued certname
   * @param serial only this certificate, or null for all of the certname's certificates
   * @param reason the reason written in the CRL
   * @return the entries revoked now (empty if they were all revoked already)
   * @throws CertsException {@link CertsException.Reason#UNKNOWN_CERTNAME} for an unknown
   *     certname or a serial it does not have
   */
  public List<CertificateEntry> revoke(String certname, BigInteger serial, RevocationReason reason) {
    Names.checkCertname(certname);
    Objects.requireNonNull(reason, "reason");
    try (DirLock lock = DirLock.acquire(dir, LOCK_TIMEOUT)) {
      StateFile state = readState();
      List<CertificateEntry> entries = state.entriesFor(certname);
      if (entries.isEmpty()) {
        throw unknown(certname);
      }
      if (serial != null && entries.stream().noneMatch(e -> e.serial().equals(serial))) {
        throw new CertsException(CertsException.Reason.UNKNOWN_CERTNAME,
            certname + " has no certificate with serial " + serial.toString(16).toUpperCase(java.util.Locale.ROOT));
      }
      Instant now = clock.instant();
      List<CertificateEntry> revoked = new ArrayList<>();
      for (int i = 0; i < state.certificates.size(); i++) {
        CertificateEntry e = state.certificates.get(i);
        if (e.certname().equals(certname) && !e.revoked() && (serial == null || e.serial().equals(serial))) {
          CertificateEntry r = e.revoke(now, reason);
          state.certificates.set(i, r);
          revoked.add(r);
        }
      }
      if (!revoked.isEmpty()) {
        new FileBatch().addPublic(dir.resolve(StateFile.FILE_NAME), state.toBytes()).commit();
        LOG.info("revoked {} certificate(s) of {} ({})", revoked.size(), certname, reason.cliName());
      }
      return List.copyOf(revoked);
    }
  }

  /**
   * Writes {@code crl.pem}: every revoked certificate, signed by the CA, with the next CRL
   * number, {@code thisUpdate} now and {@code nextUpdate} after {@code validity}.
   *
   * @return the new CRL
   * @throws CertsException {@link CertsException.Reason#WRONG_PASSPHRASE},
   *     {@link CertsException.Reason#UNREADABLE}, {@link CertsException.Reason#INVALID_ARGUMENT}
   */
  public X509CRL writeCrl(Duration validity) {
    checkPositive(validity);
    try (DirLock lock = DirLock.acquire(dir, LOCK_TIMEOUT)) {
      StateFile state = readState();
      PrivateKey caKey = caKey();
      state.crlNumber++;
      Instant now = clock.instant();
      List<CertificateEntry> revoked = state.certificates.stream().filter(CertificateEntry::revoked).toList();
      X509CRL crl = CertBuilder.buildCrl(caCertificate, caKey, revoked, state.crlNumber, now, now.plus(validity));
      new FileBatch()
          .addPublic(crlFile(), PemFiles.crl(crl))
          .addPublic(dir.resolve(StateFile.FILE_NAME), state.toBytes())
          .commit();
      LOG.info("wrote CRL #{} with {} revoked certificate(s)", state.crlNumber, revoked.size());
      return crl;
    }
  }

  /**
   * Every certificate the CA issued, in issue order, with its revocation status.
   *
   * @throws CertsException {@link CertsException.Reason#BAD_STATE}, {@link CertsException.Reason#UNREADABLE}
   */
  public List<CertificateEntry> list() {
    return List.copyOf(readState().certificates);
  }

  /* ------------------------------ internals ------------------------------ */

  private record Signed(CertificateEntry entry, X509Certificate certificate) {}

  /** Signs a service certificate and adds it to {@code state} (not yet written). */
  private Signed sign(StateFile state, PrivateKey caKey, String certname, String service,
      String host, PublicKey publicKey, Duration validity, List<String> sans) {
    Instant now = clock.instant();
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = now.plus(validity);
    Instant caEnd = caCertificate.getNotAfter().toInstant();
    if (notAfter.isAfter(caEnd)) {
      // A certificate cannot verify after its CA expires; say so instead of pretending.
      LOG.warn("{}: validity cut to the CA's end, {}", certname, caEnd);
      notAfter = caEnd;
    }
    BigInteger serial;
    do {
      serial = CertBuilder.randomSerial(random);
    } while (state.serialUsed(serial));
    List<GeneralName> names = CertBuilder.parseSans(sans);
    X509Certificate signed =
        CertBuilder.buildLeaf(caCertificate, caKey, certname, publicKey, serial, notBefore, notAfter, names);
    CertificateEntry entry = new CertificateEntry(serial, certname, certname, service, host,
        KeyType.describe(publicKey), signed.getNotBefore().toInstant(), signed.getNotAfter().toInstant(),
        sans, null, null);
    state.certificates.add(entry);
    return new Signed(entry, signed);
  }

  private StateFile readState() {
    return StateFile.read(dir).orElseThrow(() -> new CertsException(CertsException.Reason.NO_CA,
        "no CA in " + dir + " (missing " + StateFile.FILE_NAME + "); run init-ca first"));
  }

  /** Reads and checks the CA key; the passphrase is needed only here. */
  private PrivateKey caKey() {
    if (closed) {
      throw new IllegalStateException("this CertificateAuthority is closed (its passphrase was wiped)");
    }
    Path file = dir.resolve(CA_KEY);
    PrivateKey key = PemFiles.readPrivateKey(file, passphrase);
    if (!KeyMatch.matches(key, caCertificate.getPublicKey())) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, file + " does not match " + certificateFile());
    }
    return key;
  }

  private static CertsException unknown(String certname) {
    return new CertsException(CertsException.Reason.UNKNOWN_CERTNAME,
        "unknown certname '" + certname + "' (see 'fedmsg-certs list')");
  }

  private static void checkPositive(Duration validity) {
    Objects.requireNonNull(validity, "validity");
    if (validity.isNegative() || validity.isZero()) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "validity must be positive");
    }
  }

  static void createDirectory(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new CertsException(CertsException.Reason.UNREADABLE, dir + " is not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot create directory " + dir + ": " + FileBatch.describe(e), e);
    }
  }

  static void checkReadableDirectory(Path dir) {
    if (!Files.exists(dir)) {
      throw new CertsException(CertsException.Reason.UNREADABLE, dir + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new CertsException(CertsException.Reason.UNREADABLE, dir + " is not a directory");
    }
    if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
      throw new CertsException(CertsException.Reason.UNREADABLE, dir + " is not readable");
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + dir + ", " + caCertificate.getSubjectX500Principal().getName() + "]";
  }

  /**
   * Wipes the kept passphrase copy. Signing ({@link #issue}, {@link #renew}, {@link #writeCrl})
   * throws {@link IllegalStateException} afterwards; {@link #list} and {@link #revoke} still work.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    if (passphrase != null) {
      Arrays.fill(passphrase, '\0');
    }
  }
}
