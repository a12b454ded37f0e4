package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fedmsg.cli.CommandsProcessIT.readLineMatching;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/fedmsg hub} runs a consumer from a jar built here (not part of fedmsg) that
 * {@code FEDMSG_CLASSPATH} names, found by {@link java.util.ServiceLoader}; and the launcher bounds
 * the heap of the long-running hub by default ({@code FEDMSG_HEAP} overrides it).
 */
@Timeout(180)
class HubClasspathIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path LAUNCHER = TARGET.getParent().getParent().resolve("bin").resolve("fedmsg");
  private static final Pattern STARTED = Pattern.compile("^jar consumer started, max heap (\\d+) MiB");

  static final String SOURCE = """
      package example;

      import java.util.List;
      import org.fedmsg.Message;
      import org.fedmsg.hub.Consumer;
      import org.fedmsg.hub.HubContext;

      public final class JarConsumer implements Consumer {
        public JarConsumer() {}
        @Override public List<String> topics() { return List.of("*"); }
        @Override public String configKey() { return "example.jar.enabled"; }
        @Override public void consume(Message message) {}
        @Override public void start(HubContext context) {
          System.out.println("jar consumer started, max heap " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
          System.out.flush();
        }
      }
      """;

  static Path buildConsumerJar(Path dir) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/example")).resolve("JarConsumer.java");
    Files.writeString(src, SOURCE);
    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    // javac does not expand `lib/*` as the java launcher does: list the jars.
    StringBuilder cp = new StringBuilder(TARGET.resolve("fedmsg-cli.jar").toString());
    try (var jars = Files.list(TARGET.resolve("lib"))) {
      jars.forEach(j -> cp.append(File.pathSeparator).append(j));
    }
    assertThat(javac.run(null, null, null, "-d", classes.toString(), "-cp", cp.toString(), src.toString())).isZero();
    Path jar = dir.resolve("consumers/example-consumer.jar");
    Files.createDirectories(jar.getParent());
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("example/JarConsumer.class"));
      out.write(Files.readAllBytes(classes.resolve("example/JarConsumer.class")));
      out.putNextEntry(new JarEntry("META-INF/services/org.fedmsg.hub.Consumer"));
      out.write("example.JarConsumer\n".getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }

  /** Runs the hub through bin/fedmsg until the consumer reports; returns the max heap it saw, in MiB. */
  static long runHub(Path config, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of(LAUNCHER.toString(), "hub", "--config", config.toString(),
        "--enable", "example.jar.enabled", "--timeout", "1"));
    pb.environment().remove("FEDMSG_HEAP");
    pb.environment().remove("FEDMSG_JAVA_OPTS");
    pb.environment().putAll(env);
    Process hub = pb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(hub.getInputStream(), StandardCharsets.UTF_8));
      Matcher m = STARTED.matcher(readLineMatching(out, STARTED));
      assertThat(m.find()).isTrue();
      assertThat(readLineMatching(out, Pattern.compile("^hub: running"))).contains("JarConsumer");
      out.lines().count();  // drain to the end
      assertThat(hub.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(hub.exitValue()).isZero();
      return Long.parseLong(m.group(1));
    } finally {
      hub.destroyForcibly();
    }
  }

  @Test
  void hub_loadsConsumerFromFedmsgClasspathJar_withBoundedDefaultHeap(@TempDir Path dir) throws Exception {
    Path jar = buildConsumerJar(dir);
    Path config = Files.writeString(dir.resolve("hub.yaml"), "endpoints: {}\nvalidate_signatures: false\n");

    long defaultHeap = runHub(config, Map.of("FEDMSG_CLASSPATH", jar.toString()));
    assertThat(defaultHeap).isLessThanOrEqualTo(256);

    long chosenHeap = runHub(config, Map.of("FEDMSG_CLASSPATH", jar.getParent() + "/*", "FEDMSG_HEAP", "96m"));
    assertThat(chosenHeap).isLessThanOrEqualTo(96);
  }
}
