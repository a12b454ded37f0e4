package org.fedmsg.cli;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.ConfigException;

/** {@code fedmsg hub --classpath}: a class loader over consumers' jars, as {@code java -cp} reads a path. */
final class ConsumerClasspath {
  private ConsumerClasspath() {}

  /**
   * A loader over the entries of {@code path} (separated by {@link File#pathSeparator}; {@code dir/*}
   * means every jar in dir), whose parent is fedmsg's own loader.
   *
   * @throws ConfigException naming an entry that does not exist
   */
  static ClassLoader loader(String path) {
    List<URL> urls = new ArrayList<>();
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        if (entry.endsWith("/*") || entry.equals("*")) {
          Path dir = Path.of(entry.substring(0, entry.length() - 1));
          try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
            for (Path jar : jars) {
              urls.add(jar.toUri().toURL());
            }
          }
        } else {
          Path p = Path.of(entry);
          if (!Files.exists(p)) {
            throw new ConfigException("--classpath: " + entry + ": not found");
          }
          urls.add(p.toUri().toURL());
        }
      } catch (IOException e) {
        throw new ConfigException("--classpath: " + entry + ": " + Failures.classify(e).message(), e);
      }
    }
    return new URLClassLoader("fedmsg-consumers", urls.toArray(URL[]::new), ConsumerClasspath.class.getClassLoader());
  }
}
