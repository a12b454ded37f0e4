package org.fedmsg.certs;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine;

/** Runs {@code fedmsg-certs} in-process as the users' command line does, and snapshots directories. */
final class CertsRun {
  record Result(int exit, String out, String err) {}

  private CertsRun() {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new CertsCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /**
   * File name → content of every file in {@code dir} (not recursive); proves "nothing changed".
   * The empty lock file is left out: it is created on first use and kept on purpose.
   */
  static Map<String, String> snapshot(Path dir) {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (name.equals(DirLock.FILE_NAME)) {
          continue;
        }
        files.put(name, Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
            : Files.isRegularFile(p) ? new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1)
            : "<dir>");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  static String mode(Path file) {
    try {
      return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
