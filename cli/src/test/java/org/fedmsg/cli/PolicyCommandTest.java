package org.fedmsg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedmsg.testing.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PolicyCommandTest {
  static final String POLICY = String.join("\n",
      "default: deny",
      "rules:",
      "  - topics: ['pkgdb.*']",
      "    signers: ['pkgdb-app0?.phx2.fedoraproject.org']",
      "    effect: allow",
      "  - topics: ['logger.*']",
      "    signers: ['shell-*.phx2.fedoraproject.org']",
      "    effect: allow",
      "");

  @TempDir Path dir;
  Path policy;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void writePolicy() throws Exception {
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
  }

  int run(String... args) {
    return new CommandLine(new PolicyCommand())
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @Test
  void check_allowed_exitsZeroNamingRule() {
    int code = run("check", "--policy", policy.toString(), "--environment", "prod",
        "--topic", "org.fedoraproject.prod.pkgdb.package.create", "--signer", "pkgdb-app01.phx2.fedoraproject.org");
    assertThat(code).isZero();
    assertThat(out.toString()).startsWith("ALLOW").contains("decided by: rules[0]")
        .contains("rule: {topics: [pkgdb.*]");
  }

  @Test
  void check_otherServicesCertificate_exitsOneNamingRule() {
    int code = run("check", "--policy", policy.toString(), "--environment", "prod",
        "--topic", "org.fedoraproject.prod.pkgdb.package.create", "--signer", "bodhi-app01.phx2.fedoraproject.org");
    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).startsWith("DENY").contains("decided by: rules[0]")
        .contains("no rule allows this signer");
  }

  @Test
  void check_unmentionedTopic_exitsOneNamingDefault() {
    int code = run("check", "--policy", policy.toString(),
        "--topic", "org.fedoraproject.dev.koji.build.state.change", "--signer", "shell-app01.phx2.fedoraproject.org");
    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).contains("decided by: default: deny").doesNotContain("rule: ");
  }

  @Test
  void check_relativeToEnvironmentOption() {
    String[] args = {"check", "--policy", policy.toString(),
        "--topic", "org.fedoraproject.stg.logger.log", "--signer", "shell-app01.phx2.fedoraproject.org"};
    assertThat(run(args)).isEqualTo(1);
    String[] stg = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--environment", "stg"))
        .toArray(String[]::new);
    assertThat(run(stg)).isZero();
  }

  /* --------------- --config --------------- */

  /** A fedmsg.d directory with one file holding {@code yaml}. */
  Path config(String yaml) throws Exception {
    Path d = Files.createDirectories(dir.resolve("fedmsg.d"));
    Files.writeString(d.resolve("base.yaml"), yaml);
    return d;
  }

  @Test
  void check_configPolicyFileAndEnvironment_used() throws Exception {
    Path conf = config("environment: prod\npolicy_file: " + policy + "\n");
    assertThat(run("check", "--config", conf.toString(),
        "--topic", "org.fedoraproject.prod.pkgdb.package.create", "--signer", "pkgdb-app01.phx2.fedoraproject.org"))
        .isZero();
    assertThat(out.toString()).contains("decided by: rules[0]");
  }

  @Test
  void check_configTopicPrefix_used() throws Exception {
    Path conf = config("topic_prefix: org.centos\nenvironment: prod\npolicy_file: " + policy + "\n");
    assertThat(run("check", "--config", conf.toString(),
        "--topic", "org.centos.prod.pkgdb.package.create", "--signer", "pkgdb-app01.phx2.fedoraproject.org"))
        .isZero();
  }

  @Test
  void check_flagsOverrideConfig() throws Exception {
    Path conf = config("environment: prod\npolicy_file: " + policy + "\n");
    assertThat(run("check", "--config", conf.toString(), "--environment", "stg",
        "--topic", "org.fedoraproject.stg.logger.log", "--signer", "shell-app01.phx2.fedoraproject.org")).isZero();
    Path other = Files.writeString(dir.resolve("open.yaml"), "default: allow\n");
    assertThat(run("check", "--config", conf.toString(), "--policy", other.toString(),
        "--topic", "org.fedoraproject.prod.pkgdb.package.create", "--signer", "bodhi-app01")).isZero();
  }

  @Test
  void check_configInlinePolicy_used() throws Exception {
    Path conf = config(String.join("\n", "environment: prod", "policy:", "  default: deny", "  rules:",
        "    - topics: ['bodhi.*']", "      signers: ['bodhi-*']", "      effect: allow", ""));
    assertThat(run("check", "--config", conf.toString(),
        "--topic", "org.fedoraproject.prod.bodhi.update.request", "--signer", "bodhi-app01")).isZero();
    assertThat(run("check", "--config", conf.toString(),
        "--topic", "org.fedoraproject.prod.bodhi.update.request", "--signer", "shell-app01")).isEqualTo(1);
  }

  @Test
  void check_configRoutingPolicy_used() throws Exception {
    Path conf = config(String.join("\n", "routing_nitpicky: true", "routing_policy:",
        "  org.fedoraproject.prod.announce.announcement: [announce-lockbox.phx2.fedoraproject.org]", ""));
    assertThat(run("check", "--config", conf.toString(), "--topic", "org.fedoraproject.prod.announce.announcement",
        "--signer", "announce-lockbox.phx2.fedoraproject.org")).isZero();
    assertThat(run("check", "--config", conf.toString(), "--topic", "org.fedoraproject.prod.koji.build",
        "--signer", "announce-lockbox.phx2.fedoraproject.org")).isEqualTo(1);
    assertThat(out.toString()).contains("decided by: routing_nitpicky: true");
  }

  @Test
  void check_configPolicyFileAndRoutingNitpicky_bothApply() throws Exception {
    Path open = Files.writeString(dir.resolve("open.yaml"), "default: allow\n");
    Path conf = config("environment: prod\npolicy_file: " + open + "\nrouting_nitpicky: true\n");
    assertThat(run("check", "--config", conf.toString(),
        "--topic", "org.fedoraproject.prod.koji.build", "--signer", "koji01")).isEqualTo(1);
    assertThat(out.toString()).contains("routing_nitpicky");
  }

  @Test
  void check_brokenConfig_exitsTwo() throws Exception {
    Path conf = config("environment: [not, a, string]\n");
    assertThat(run("check", "--config", conf.toString(), "--topic", "a.b", "--signer", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("environment");
  }

  @Test
  void lint_configPolicyFile_lintsThatFile() throws Exception {
    Path conf = config("environment: prod\npolicy_file: " + policy + "\n");
    assertThat(run("lint", "--config", conf.toString())).isZero();
    assertThat(out.toString()).contains(policy + ": no problems found (2 rules)");
  }

  @Test
  void check_missingSigner_usageErrorExitsTwo() {
    assertThat(run("check", "--policy", policy.toString(), "--topic", "a.b")).isEqualTo(2);
    assertThat(err.toString()).contains("--signer");
  }

  @Test
  void check_brokenPolicy_exitsTwoWithFileAndLine() throws Exception {
    Files.writeString(policy, "default: deny\nrules:\n  - topics: [a]\n    signer: [x]\n");
    assertThat(run("check", "--policy", policy.toString(), "--topic", "a", "--signer", "x")).isEqualTo(2);
    assertThat(err.toString()).contains(policy + ":4:").contains("unknown key 'signer'");
  }

  @Test
  void check_missingPolicyFile_exitsTwo() {
    assertThat(run("check", "--policy", dir.resolve("nope.yaml").toString(), "--topic", "a", "--signer", "x"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("nope.yaml");
  }

  @Test
  void check_badEnvironment_exitsTwo() {
    assertThat(run("check", "--policy", policy.toString(), "--environment", "a.b", "--topic", "a", "--signer", "x"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("environment");
  }

  @Test
  void noSubcommand_printsUsageExitsTwo() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("check").contains("lint");
  }

  @Test
  void lint_cleanPolicy_exitsZero() {
    assertThat(run("lint", "--policy", policy.toString())).isZero();
    assertThat(out.toString()).contains("no problems found (2 rules)");
  }

  @Test
  void lint_problems_exitsOneListingEach() throws Exception {
    Files.writeString(policy, String.join("\n",
        "default: deny",
        "rules:",
        "  - {topics: [pkgdb.packages.create], signers: ['pkgdb-*'], effect: allow}",
        "  - {topics: ['pkgdb.*'], signers: ['*'], effect: deny}",
        "  - {topics: [org.fedoraproject.stg.bodhi.update], signers: ['bodhi-*'], effect: allow}",
        ""));
    assertThat(run("lint", "--policy", policy.toString())).isEqualTo(1);
    assertThat(out.toString())
        .contains("rules[0]: NAMING").contains("'packages' looks plural")
        .contains("rules[0]: SHADOWED")
        .contains("rules[2]: NEVER_MATCHES").contains("environment 'stg'")
        .contains("3 problem(s)");
  }

  @Test
  void lint_certDir_reportsSignersMatchingNoCertificate() throws Exception {
    Path certs = Fixtures.copyTestCerts(dir.resolve("certs"));
    Files.writeString(policy, String.join("\n",
        "default: deny",
        "rules:",
        "  - {topics: ['pkgdb.*'], signers: ['pkgdb-app0?.phx2.fedoraproject.org'], effect: allow}",
        "  - {topics: ['bodhi.*'], signers: ['bodhi-app0?.phx2.fedoraproject.org'], effect: allow}",
        "  - {topics: ['logger.*'], signers: ['shell-*.phx2.fedoraproject.org'], effect: allow}",
        ""));
    assertThat(run("lint", "--policy", policy.toString(), "--cert-dir", certs.toString())).isEqualTo(1);
    String text = out.toString();
    assertThat(text).contains("rules[0]: UNMATCHED_SIGNER").contains("'pkgdb-app0?.phx2.fedoraproject.org'")
        .contains("rules[0]: NEVER_MATCHES")
        .doesNotContain("rules[1]").doesNotContain("rules[2]");
  }

  @Test
  void commonNames_testPki_readsCnsAfterTextDump() throws Exception {
    Path certs = Fixtures.copyTestCerts(dir.resolve("certs"));
    StringWriter sink = new StringWriter();
    var names = PolicyCommand.commonNames(certs, new PrintWriter(sink, true));
    assertThat(names).contains("shell-app01.phx2.fedoraproject.org", "bodhi-app01.phx2.fedoraproject.org", "fedmsg");
  }

  @Test
  void lint_missingCertDir_exitsTwo() {
    assertThat(run("lint", "--policy", policy.toString(), "--cert-dir", dir.resolve("none").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("certificate directory");
  }
}
