package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fedmsg.config.ConfigLoader;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.policy.TopicPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy_file} together with {@code routing_policy}/{@code routing_nitpicky} or an inline
 * {@code policy:} section, read through the real config loader from a {@code fedmsg.d} directory:
 * a message must pass both; neither is dropped.
 */
class PolicyCombinationTest {
  private static final String PKGDB = "org.fedoraproject.prod.pkgdb.package.update";
  private static final String ANNOUNCE = "org.fedoraproject.prod.announce.announcement";
  private static final String BODHI = "org.fedoraproject.prod.bodhi.update.request";

  @TempDir Path dir;
  private final List<AutoCloseable> owned = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : owned) {
      c.close();
    }
  }

  @Test
  void policyFileAndRoutingPolicy_messageMustPassBoth() throws Exception {
    TopicPolicy policy = load("""
        routing_policy:
          %s:
            - announce-lockbox.phx2.fedoraproject.org
        routing_nitpicky: false
        """.formatted(ANNOUNCE));

    assertThat(policy.decide(ANNOUNCE, "shell-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(policy.decide(ANNOUNCE, "shell-app01.phx2.fedoraproject.org").decidedBy())
        .contains("routing_policy");
    assertThat(policy.decide(ANNOUNCE, "announce-lockbox.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(policy.decide(PKGDB, "shell-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(policy.decide(PKGDB, "bodhi-app01.phx2.fedoraproject.org").allowed()).isFalse();
  }

  @Test
  void policyFileAndRoutingNitpicky_unlistedTopicDeniedThoughTheFileAllowsIt() throws Exception {
    TopicPolicy policy = load("""
        routing_policy:
          %s:
            - shell-app01.phx2.fedoraproject.org
        routing_nitpicky: true
        """.formatted(PKGDB));

    assertThat(policy.decide(PKGDB, "shell-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(policy.decide(BODHI, "shell-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(policy.decide(BODHI, "shell-app01.phx2.fedoraproject.org").decidedBy())
        .contains("routing_nitpicky");
  }

  @Test
  void policyFileAndInlinePolicy_messageMustPassBoth() throws Exception {
    TopicPolicy policy = load("""
        policy:
          default: allow
          rules:
            - topics: ["bodhi.*"]
              signers: ["bodhi-*"]
              effect: allow
        """);

    assertThat(policy.decide(BODHI, "shell-app01.phx2.fedoraproject.org").allowed()).isFalse();
    assertThat(policy.decide(BODHI, "bodhi-app01.phx2.fedoraproject.org").allowed()).isTrue();
    assertThat(policy.decide(PKGDB, "bodhi-app01.phx2.fedoraproject.org").allowed()).isFalse();
  }

  @Test
  void policyFileAlone_unchanged() throws Exception {
    TopicPolicy policy = load("");

    assertThat(policy.decide(BODHI, "anyone").allowed()).isTrue();
    assertThat(policy.decide(PKGDB, "bodhi-app01.phx2.fedoraproject.org").allowed()).isFalse();
  }

  /** fedmsg.d/ with base.yaml (policy_file: a file opening everything but pkgdb) and more.yaml. */
  private TopicPolicy load(String moreYaml) throws Exception {
    Path policyFile = Files.writeString(dir.resolve("policy.yaml"), """
        default: allow
        rules:
          - topics: ["pkgdb.*"]
            signers: ["shell-app01.*"]
            effect: allow
        """);
    Path confDir = Files.createDirectories(dir.resolve("fedmsg.d"));
    Files.writeString(confDir.resolve("base.yaml"), "environment: prod\npolicy_file: " + policyFile + "\n");
    Files.writeString(confDir.resolve("more.yaml"), moreYaml.isEmpty() ? "{}\n" : moreYaml);
    FedmsgConfig config = ConfigLoader.builder().sources(List.of(confDir)).build().load();
    return BusSecurity.policy(config, owned);
  }
}
