package org.fedmsg.certs;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.fedmsg.crypto.Pem;

/**
 * PEM encoding of what {@code fedmsg-certs} writes, and reading of its own files (the CA key,
 * possibly encrypted; certificates and keys it wrote or func/certmaster wrote).
 *
 * <p>Reading goes through the crypto module's {@link Pem}, the project's one PEM reader.
 *
 * <p>Private keys are written as PKCS#8 ({@code BEGIN PRIVATE KEY}), which the reference Python
 * implementation, OpenSSL and the project's crypto module all read; an encrypted CA key is
 * PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), which {@code openssl pkey} also reads.
 */
final class PemFiles {
  /** PBKDF2 rounds for an encrypted CA key: slow enough to hurt guessing, fast enough for a CLI. */
  private static final int PBKDF2_ITERATIONS = 300_000;
  /** Bouncy Castle as a private provider instance (never registered globally) for PBES2. */
  private static final Provider BC = new BouncyCastleProvider();

  private PemFiles() {}

  static byte[] certificate(X509Certificate cert) {
    return pem(cert);
  }

  static byte[] crl(X509CRL crl) {
    return pem(crl);
  }

  /**
   * PKCS#8 PEM of {@code key}; encrypted when {@code passphrase} is not null.
   */
  static byte[] privateKey(PrivateKey key, char[] passphrase, SecureRandom random) {
    try {
      OutputEncryptor encryptor = null;
      if (passphrase != null) {
        encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
            .setProvider(BC)
            .setPRF(PKCS8Generator.PRF_HMACSHA256)
            .setIterationCount(PBKDF2_ITERATIONS)
            .setRandom(random)
            .setPassword(passphrase)
            .build();
      }
      return pem(new JcaPKCS8Generator(key, encryptor));
    } catch (OperatorCreationException | org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException("cannot encode a private key", e);
    }
  }

  private static byte[] pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode PEM", e);
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads the first certificate of a PEM file, skipping any text before it (fedmsg's
   * easy-rsa certificates start with an {@code openssl x509 -text} dump), with the project's
   * one PEM reader ({@link Pem}).
   *
   * @throws CertsException {@link CertsException.Reason#UNREADABLE} or
   *     {@link CertsException.Reason#INVALID_FILE}
   */
  static X509Certificate readCertificate(Path file) {
    read(file); // turns a missing or unreadable file into a clear CertsException
    try {
      return Pem.readCertificate(file);
    } catch (IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot read " + file + ": " + FileBatch.describe(e), e);
    } catch (RuntimeException e) {
      throw new CertsException(CertsException.Reason.INVALID_FILE, file + " is not a certificate", e);
    }
  }

  /**
   * Reads a private key (PKCS#8, encrypted PKCS#8, PKCS#1 RSA or SEC1 EC) with {@link Pem}.
   *
   * @param passphrase for an encrypted key, or null
   * @throws CertsException {@link CertsException.Reason#WRONG_PASSPHRASE} if the key is
   *     encrypted and the passphrase is missing or wrong; {@link CertsException.Reason#INVALID_FILE}
   *     if the file holds no usable private key; {@link CertsException.Reason#UNREADABLE}
   */
  static PrivateKey readPrivateKey(Path file, char[] passphrase) {
    boolean encrypted = isEncrypted(file);
    if (encrypted && passphrase == null) {
      throw new CertsException(CertsException.Reason.WRONG_PASSPHRASE,
          file + " is encrypted: give its passphrase (--passphrase-file)");
    }
    try {
      return Pem.readPrivateKey(file, encrypted ? passphrase : null);
    } catch (IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot read " + file + ": " + FileBatch.describe(e), e);
    } catch (RuntimeException e) {
      if (encrypted) {
        throw new CertsException(CertsException.Reason.WRONG_PASSPHRASE, "wrong passphrase for " + file, e);
      }
      throw new CertsException(CertsException.Reason.INVALID_FILE, file + " holds no usable private key", e);
    }
  }

  /** Whether the key file is encrypted (needs a passphrase). */
  static boolean isEncrypted(Path file) {
    String text = new String(read(file), StandardCharsets.US_ASCII);
    return text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED");
  }

  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE, file + " does not exist", e);
    } catch (IOException e) {
      throw new CertsException(CertsException.Reason.UNREADABLE,
          "cannot read " + file + ": " + FileBatch.describe(e), e);
    }
  }

  /**
   * Reads a passphrase file: its first line without the line ending, as OpenSSL's
   * {@code -passin file:} does.
   *
   * @throws CertsException {@link CertsException.Reason#UNREADABLE}, or
   *     {@link CertsException.Reason#INVALID_ARGUMENT} for an empty passphrase
   */
  static char[] readPassphrase(Path file) {
    String text = new String(read(file), StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.isEmpty()) {
      throw new CertsException(CertsException.Reason.INVALID_ARGUMENT, "passphrase file " + file + " is empty");
    }
    return line.toCharArray();
  }
}
