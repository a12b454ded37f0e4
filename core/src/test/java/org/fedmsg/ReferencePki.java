package org.fedmsg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.fedmsg.crypto.Signer;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
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

  /** The policy the signed-bus tests share: pkgdb topics only from shell-app01, everything else allowed. */
  public static final String PKGDB_FROM_APP01 = """
      default: allow
      rules:
        - topics: ["pkgdb.*"]
          signers: ["shell-app01.*"]
          effect: allow
      """;

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

  /** {@link #PKGDB_FROM_APP01}, parsed. */
  public static TopicPolicy pkgdbFromApp01() {
    return TopicPolicy.parse(PKGDB_FROM_APP01, "test-policy", TopicNamespace.DEFAULT);
  }

  /** The signer of {@code <ssldir>/<certname>.crt/.key}. */
  public Signer signer(String certname) {
    try {
      return Signer.load(ssldir, certname);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A passive publisher on an ephemeral loopback port that signs with {@code signer} (null:
   * unsigned) in {@code format}, and does not validate what it receives.
   */
  public static Bus publisher(String name, Signer signer, WireFormat format) {
    BusOptions.Builder b = BusOptions.builder().name(name).endpoint(name, List.of("tcp://127.0.0.1:*"))
        .validateSignatures(false).wireFormat(format);
    if (signer != null) {
      b.signer(signer);
    }
    return Bus.create(b.build());
  }

  @Override
  public void close() {
    trust.close();
  }
}
