package org.fedmsg;

import java.nio.file.Path;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.testing.Fixtures;

/**
 * The reference fedmsg test PKI copied into a directory, with a trust store over its CA and CRL:
 * what bus-level tests of signed traffic start from.
 */
public final class ReferencePki implements AutoCloseable {
  /** A leaf of the reference CA, the signer of the reference vectors. */
  public static final String APP01 = "shell-app01.phx2.fedoraproject.org";
  /** A second leaf of the same CA. */
  public static final String APP02 = "shell-app02.phx2.fedoraproject.org";

  private final Path ssldir;
  private final TrustStore trust;

  private ReferencePki(Path ssldir) {
    this.ssldir = ssldir;
    this.trust = TrustStore.create(TrustOptions.builder().ca(ssldir.resolve("ca.crt")).crl(ssldir.resolve("crl.pem")).build());
  }

  /** Copies the PKI into {@code dir/pki}. */
  public static ReferencePki in(Path dir) {
    return new ReferencePki(Fixtures.copyTestCerts(dir.resolve("pki")));
  }

  /** The directory holding {@code <certname>.crt}/{@code .key}, {@code ca.crt} and {@code crl.pem}. */
  public Path ssldir() {
    return ssldir;
  }

  /** A trust store over the reference CA and its CRL (which revokes {@code dummy-revoked}). */
  public TrustStore trust() {
    return trust;
  }

  @Override
  public void close() {
    trust.close();
  }
}
