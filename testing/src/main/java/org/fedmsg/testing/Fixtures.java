package org.fedmsg.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The reference fedmsg fixtures (test PKI, signed vectors, production messages), read from
 * this module's resources so that tests never reach outside the project.
 *
 * <p>See {@code org/fedmsg/testing/fixtures/NOTICE.md} for their origin and licence.
 */
public final class Fixtures {
  private static final String ROOT = "/org/fedmsg/testing/fixtures/";

  private Fixtures() {}

  /** The bytes of a fixture file, e.g. {@code "signed_vectors.json"} or {@code "fedmsg-test-certs/ca.crt"}. */
  public static byte[] bytes(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no such fixture: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The signed vectors produced by the reference implementation, as JSON text. */
  public static String signedVectorsJson() {
    return new String(bytes("signed_vectors.json"), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The 25 archived production messages, as JSON text (a JSON array). */
  public static String productionMessagesJson() {
    return new String(bytes("datanommer_raw_messages.json"), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Copies the reference test PKI ({@code fedmsg-test-certs/}) into {@code dir} so that code
   * reading an {@code ssldir} from disk can use it; returns {@code dir}.
   */
  public static Path copyTestCerts(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String file : testCertFiles()) {
        Files.copy(
            new java.io.ByteArrayInputStream(bytes("fedmsg-test-certs/" + file)),
            dir.resolve(file),
            StandardCopyOption.REPLACE_EXISTING);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file names in the reference test PKI. */
  public static List<String> testCertFiles() {
    return List.of(new String(bytes("fedmsg-test-certs/INDEX"), java.nio.charset.StandardCharsets.US_ASCII)
        .strip().split("\n"));
  }
}
