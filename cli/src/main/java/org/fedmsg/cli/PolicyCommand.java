package org.fedmsg.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.crypto.Certificates;
import org.fedmsg.crypto.Pem;
import org.fedmsg.policy.CompiledPolicy;
import org.fedmsg.policy.Decision;
import org.fedmsg.policy.LintFinding;
import org.fedmsg.policy.PolicyException;
import org.fedmsg.policy.PolicyLinter;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg policy}: ask the topic policy a question ({@code check}) or look for mistakes in
 * it ({@code lint}). Exit codes: 0 allowed / no findings, 1 denied / findings, 2 usage or
 * configuration error.
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check and lint the topic-authorization policy.",
    subcommands = {PolicyCommand.Check.class, PolicyCommand.Lint.class})
public final class PolicyCommand implements Callable<Integer> {
  /** Where the policy file is looked for when {@code --policy} is not given. */
  public static final String DEFAULT_POLICY = "/etc/fedmsg/policy.yaml";

  static final int OK = 0;
  static final int DENIED = 1;
  static final int CONFIG_ERROR = 2;

  @Spec CommandSpec spec;

  /** Without a subcommand: print the usage and fail as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CONFIG_ERROR;
  }

  /**
   * Options shared by both subcommands. The policy, {@code topic_prefix} and {@code environment}
   * come from the {@code fedmsg.d} configuration (as for every other command, {@code --config}
   * read last), each overridden by its flag: {@code --policy FILE} replaces the configured policy
   * altogether. The configured policy is what a bus applies: {@code policy_file} and the config's
   * own {@code policy:}/{@code routing_policy}/{@code routing_nitpicky}, both when both are set.
   * A configuration with no policy at all falls back to {@value #DEFAULT_POLICY}.
   */
  static class PolicyOptions {
    @CommandLine.Mixin ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--policy", paramLabel = "FILE",
        description = "Policy file (default: the configured policy_file / policy / routing_policy, else "
            + DEFAULT_POLICY + ").")
    Path policy;

    @Option(names = "--topic-prefix", paramLabel = "P",
        description = "topic_prefix that relative patterns resolve against (default: from the configuration).")
    String topicPrefix;

    @Option(names = "--environment", paramLabel = "E",
        description = "environment that relative patterns resolve against (default: from the configuration).")
    String environment;

    /** A loaded policy: what decides, and its compiled parts by name (for lint). */
    record Loaded(TopicPolicy decider, java.util.Map<String, CompiledPolicy> parts) {}

    /**
     * @throws PolicyException if a policy cannot be loaded
     * @throws org.fedmsg.ConfigException if the configuration cannot be read
     */
    Loaded load() {
      org.fedmsg.config.FedmsgConfig config = configOptions.load();
      TopicNamespace ns;
      try {
        ns = new TopicNamespace(topicPrefix != null ? topicPrefix : config.topicPrefix(),
            environment != null ? environment : config.environment());
      } catch (IllegalArgumentException e) {
        throw new PolicyException("command line", 0, 0, "", e.getMessage(), e);
      }
      java.util.Map<String, CompiledPolicy> parts = new java.util.LinkedHashMap<>();
      if (policy != null) {
        parts.put(policy.toString(), TopicPolicy.load(policy, ns));
        return new Loaded(parts.get(policy.toString()), parts);
      }
      com.fasterxml.jackson.databind.node.ObjectNode raw = config.raw();
      boolean inConfig = raw.hasNonNull("policy") || raw.has("routing_policy") || raw.has("routing_nitpicky");
      Path file = config.policyFile().orElse(inConfig ? null : Path.of(DEFAULT_POLICY));
      if (file != null) {
        parts.put(file.toString(), TopicPolicy.load(file, ns));
      }
      if (inConfig) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = config.effective();
        tree.put("topic_prefix", ns.topicPrefix());
        tree.put("environment", ns.environment());
        parts.put("fedmsg.d config", TopicPolicy.fromConfig(tree));
      }
      return new Loaded(org.fedmsg.policy.CombinedPolicy.allOf(List.copyOf(parts.values())), parts);
    }
  }

  /** {@code fedmsg policy check --topic T --signer CN}. */
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Print whether SIGNER may emit TOPIC, and the rule or default that decides. "
          + "Exit 0 allowed, 1 denied, 2 usage or policy error.")
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Mixin PolicyOptions options = new PolicyOptions();

    @Option(names = "--topic", required = true, paramLabel = "T",
        description = "Full topic, e.g. org.fedoraproject.prod.pkgdb.package.create.")
    String topic;

    @Option(names = "--signer", required = true, paramLabel = "CN", description = "Certificate common name.")
    String signer;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      TopicPolicy policy;
      try {
        policy = options.load().decider();
      } catch (PolicyException | org.fedmsg.ConfigException e) {
        err.println("policy: " + e.getMessage());
        return CONFIG_ERROR;
      }
      Decision d = policy.decide(topic, signer);
      out.println((d.allowed() ? "ALLOW" : "DENY") + "  " + d.explanation());
      out.println("decided by: " + d.decidedBy());
      if (d.rule() != null) {
        out.println("rule: " + d.rule().text());
      }
      out.flush();
      return d.allowed() ? OK : DENIED;
    }
  }

  /** {@code fedmsg policy lint}. */
  @Command(name = "lint", mixinStandardHelpOptions = true,
      description = "Report rules that never match, shadowed or redundant rules, topics that break the "
          + "naming rules and, with --cert-dir, signers that match no issued certificate. "
          + "Exit 0 clean, 1 findings, 2 usage or policy error.")
  static final class Lint implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Mixin PolicyOptions options = new PolicyOptions();

    @Option(names = "--cert-dir", paramLabel = "DIR",
        description = "Directory of issued certificates (*.crt); signer patterns are checked against their CNs.")
    Path certDir;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      PolicyOptions.Loaded loaded;
      List<String> names = null;
      try {
        loaded = options.load();
        if (certDir != null) {
          names = commonNames(certDir, err);
        }
      } catch (PolicyException | org.fedmsg.ConfigException e) {
        err.println("policy: " + e.getMessage());
        return CONFIG_ERROR;
      } catch (IOException e) {
        err.println("policy: cannot read the certificate directory " + certDir + ": " + e);
        return CONFIG_ERROR;
      }
      int total = 0;
      for (java.util.Map.Entry<String, CompiledPolicy> part : loaded.parts().entrySet()) {
        String source = part.getKey();
        CompiledPolicy policy = part.getValue();
        List<LintFinding> findings = PolicyLinter.lint(policy, names);
        for (LintFinding f : findings) {
          out.println(source + ": " + f);
        }
        out.println(findings.isEmpty()
            ? source + ": no problems found (" + policy.rules().size() + " rules)"
            : findings.size() + " problem(s) in " + source);
        total += findings.size();
      }
      out.flush();
      return total == 0 ? OK : DENIED;
    }
  }

  /**
   * The CN of every {@code *.crt} in {@code dir}, read as the bus reads signers ({@link
   * Certificates#commonName}); text around the PEM block (the easy-rsa layout starts with an
   * {@code openssl x509 -text} dump) is ignored. Unreadable files, and names the bus refuses, are
   * reported on {@code err} and skipped.
   */
  static List<String> commonNames(Path dir, PrintWriter err) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
      for (Path file : files) {
        try {
          String cn = Certificates.commonName(Pem.readCertificate(file));
          if (!cn.isEmpty()) {
            names.add(cn);
          }
        } catch (IllegalArgumentException e) {
          err.println("policy: " + file + ": unreadable certificate, skipped: " + e.getMessage());
        }
      }
    }
    return names;
  }
}
