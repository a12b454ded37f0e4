package org.fedmsg.cli;

import java.nio.file.Path;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import picocli.CommandLine.Option;

/** The {@code --config} option every bus command shares. */
final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE|DIR",
      description = "Read this fedmsg.d file or directory last (overrides $FEDMSG_CONFIG).")
  Path config;

  FedmsgConfig load() {
    return ConfigLoader.builder().explicit(config).build().load();
  }
}
