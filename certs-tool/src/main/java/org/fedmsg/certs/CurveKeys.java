package org.fedmsg.certs;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.zeromq.ZCert;
import org.zeromq.ZMQ;

/**
 * Writes CURVE key pairs beside the X.509 pairs, in the ZPL format of czmq's {@code zcert}
 * (JeroMQ's {@link ZCert} writes the same format and {@code ZConfig} reads it back):
 * {@code <certname>.curve} holds the public key (and a {@code name} metadata entry),
 * {@code <certname>.curve_secret} (0600) the public and the secret key.
 */
public final class CurveKeys {
  /** Suffix of the public key file. */
  public static final String PUBLIC_SUFFIX = ".curve";
  /** Suffix of the secret key file (czmq's {@code zcert_save} convention). */
  public static final String SECRET_SUFFIX = ".curve_secret";

  private CurveKeys() {}

  /**
   * Generates a CURVE key pair for {@code certname} in {@code dir}. The certname must have an
   * X.509 certificate there already ({@code <certname>.crt}), or be recorded in the state file.
   *
   * <p>Thread-safe: takes the directory lock; the two files are written all or none.
   *
   * @param dir the ssldir
   * @param certname the service's certname
   * @param force replace an existing pair
   * @return where the files are and the public key
   * @throws CertsException {@link CertsException.Reason#UNKNOWN_CERTNAME},
   *     {@link CertsException.Reason#ALREADY_EXISTS}, {@link CertsException.Reason#UNREADABLE}
   */
  @SuppressWarnings("try")
  public static CurveKeyFiles write(Path dir, String certname, boolean force) {
    Names.checkCertname(certname);
    CertificateAuthority.checkReadableDirectory(dir);
    try (DirLock lock = DirLock.acquire(dir, Duration.ofSeconds(60))) {
      boolean known = Files.exists(dir.resolve(certname + ".crt"))
          || StateFile.read(dir).map(s -> !s.entriesFor(certname).isEmpty()).orElse(false);
      if (!known) {
        throw new CertsException(CertsException.Reason.UNKNOWN_CERTNAME,
            "unknown certname '" + certname + "': no " + certname + ".crt in " + dir);
      }
      Path publicFile = dir.resolve(certname + PUBLIC_SUFFIX);
      Path secretFile = dir.resolve(certname + SECRET_SUFFIX);
      if (!force) {
        for (Path p : List.of(publicFile, secretFile)) {
          if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new CertsException(CertsException.Reason.ALREADY_EXISTS,
                p + " already exists; use --force to replace the CURVE key pair");
          }
        }
      }
      ZMQ.Curve.KeyPair pair = ZMQ.Curve.generateKeyPair();
      ZCert cert = new ZCert(pair.publicKey, pair.secretKey);
      cert.setMeta("name", certname);
      new FileBatch()
          .addPublic(publicFile, zpl(cert, false))
          .addSecret(secretFile, zpl(cert, true))
          .commit();
      return new CurveKeyFiles(certname, pair.publicKey, publicFile, secretFile);
    }
  }

  private static byte[] zpl(ZCert cert, boolean secret) {
    StringWriter out = new StringWriter();
    try {
      if (secret) {
        cert.saveSecret(out);
      } else {
        cert.savePublic(out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot format a CURVE certificate", e);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
