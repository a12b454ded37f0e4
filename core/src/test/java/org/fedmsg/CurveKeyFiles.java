package org.fedmsg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedmsg.crypto.CurveKeyPair;
import org.fedmsg.crypto.Z85;

/** Writes CURVE key pairs as the ZPL files {@code fedmsg-certs curve} writes, for tests. */
final class CurveKeyFiles {
  private CurveKeyFiles() {}

  static Path writePublic(Path dir, String name, CurveKeyPair pair) throws IOException {
    return Files.writeString(dir.resolve(name + ".curve"), "metadata\n    name = \"" + name + "\"\ncurve\n"
        + "    public-key = \"" + pair.publicKeyZ85() + "\"\n");
  }

  static Path writeSecret(Path dir, String name, CurveKeyPair pair) throws IOException {
    return Files.writeString(dir.resolve(name + ".curve_secret"), "metadata\n    name = \"" + name + "\"\ncurve\n"
        + "    secret-key = \"" + Z85.encodeKey(pair.secretKey()) + "\"\n    public-key = \""
        + pair.publicKeyZ85() + "\"\n");
  }
}
