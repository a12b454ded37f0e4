package org.fedmsg.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's top directory (the one holding {@code docs/}, {@code conf/} and the parent {@code pom.xml}),
 * found from the working directory, so that tests reading the shipped docs and example configuration work
 * whether Maven runs in a module folder or at the top.
 */
public final class ProjectRoot {

  private static final Path ROOT = locate(Path.of("").toAbsolutePath());

  private ProjectRoot() {}

  /** The project's top directory. */
  public static Path path() {
    return ROOT;
  }

  /** A path below the top directory, e.g. {@code resolve("docs/configuration.md")}. */
  public static Path resolve(String relative) {
    return ROOT.resolve(relative);
  }

  /** The nearest directory at or above {@code start} whose {@code pom.xml} lists modules (the parent POM). */
  static Path locate(Path start) {
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path pom = dir.resolve("pom.xml");
      if (Files.isRegularFile(pom) && readPom(pom).contains("<modules>")) {
        return dir;
      }
    }
    throw new IllegalStateException("no parent pom.xml with <modules> at or above " + start);
  }

  private static String readPom(Path pom) {
    try {
      return Files.readString(pom);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
