package org.fedmsg.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.fedmsg.policy.LintFinding.Kind;
import org.fedmsg.testing.ProjectRoot;
import org.junit.jupiter.api.Test;

class PolicyLinterTest {
  static final TopicNamespace PROD = new TopicNamespace("org.fedoraproject", "prod");

  static List<LintFinding> lint(String yaml) {
    return PolicyLinter.lint(TopicPolicy.parse(yaml, "p.yaml", PROD), null);
  }

  @Test
  void lint_cleanPolicy_noFindings() {
    assertThat(lint("default: deny\nrules:\n"
        + "  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n"
        + "  - {topics: [bodhi.update.request], signers: [bodhi-*], effect: allow}\n")).isEmpty();
  }

  @Test
  void lint_allowCoveredByDeny_isShadowed() {
    List<LintFinding> f = lint("default: deny\nrules:\n"
        + "  - {topics: [pkgdb.package.retire], signers: [pkgdb-app01], effect: allow}\n"
        + "  - {topics: ['org.fedoraproject.*.pkgdb.*'], signers: ['*'], effect: deny}\n");
    assertThat(f).extracting(LintFinding::kind, LintFinding::where).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Kind.SHADOWED, "rules[0]"));
  }

  @Test
  void lint_allowPartlyCoveredByDeny_isNotShadowed() {
    assertThat(lint("default: deny\nrules:\n"
        + "  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n"
        + "  - {topics: [pkgdb.package.retire], signers: ['*'], effect: deny}\n")).isEmpty();
  }

  @Test
  void lint_sameEffectCovered_isRedundant_laterOfTwoEqualRules() {
    List<LintFinding> f = lint("default: deny\nrules:\n"
        + "  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n"
        + "  - {topics: [pkgdb.package.*], signers: ['pkgdb-app0?'], effect: allow}\n"
        + "  - {topics: [pkgdb.*], signers: [pkgdb-*], effect: allow}\n");
    assertThat(f).extracting(LintFinding::kind).containsOnly(Kind.REDUNDANT);
    assertThat(f).extracting(LintFinding::where).containsExactly("rules[1]", "rules[2]");
  }

  @Test
  void lint_otherEnvironment_neverMatches() {
    List<LintFinding> f = lint("default: deny\nrules:\n"
        + "  - {topics: [org.fedoraproject.stg.pkgdb.*], signers: [pkgdb-*], effect: allow}\n");
    assertThat(f).extracting(LintFinding::kind).containsExactly(Kind.NEVER_MATCHES);
    assertThat(f.get(0).message()).contains("stg").contains("prod");
  }

  @Test
  void lint_namingRules() {
    List<LintFinding> f = lint("default: deny\nrules:\n"
        + "  - {topics: [pkgdb.packages.create], signers: [a], effect: allow}\n"
        + "  - {topics: [pkgdb.Package.create], signers: [b], effect: allow}\n"
        + "  - {topics: [pkgdb..create], signers: [c], effect: allow}\n"
        + "  - {topics: [pkgdb.package.create.], signers: [d], effect: allow}\n"
        + "  - {topics: [pkgdb.status.change], signers: [e], effect: allow}\n");
    assertThat(f).extracting(LintFinding::kind).containsOnly(Kind.NAMING);
    assertThat(f).extracting(LintFinding::where).containsExactly("rules[0]", "rules[1]", "rules[2]", "rules[3]");
    assertThat(f.get(0).message()).contains("'packages'").contains("plural");
    assertThat(f.get(1).message()).contains("lower case");
    assertThat(f.get(2).message()).contains("empty token");
  }

  @Test
  void lint_unknownEffectAndPermissiveDefault() {
    List<LintFinding> f = lint("default: allow\nrules:\n  - {topics: [a.b], signers: [x], effect: alow}\n");
    assertThat(f).extracting(LintFinding::kind).containsExactly(Kind.PERMISSIVE_DEFAULT, Kind.UNKNOWN_EFFECT);
  }

  @Test
  void lint_withIssuedNames_reportsUnmatchedSigners() {
    CompiledPolicy p = TopicPolicy.parse("default: deny\nrules:\n"
        + "  - {topics: [bodhi.*], signers: ['bodhi-app0?.phx2.fedoraproject.org', 'bodhi-backend*'], effect: allow}\n"
        + "  - {topics: [pkgdb.*], signers: ['pkgdb-app0?.phx2.fedoraproject.org'], effect: allow}\n", "p.yaml", PROD);
    List<LintFinding> f = PolicyLinter.lint(p, List.of("bodhi-app01.phx2.fedoraproject.org", "shell-app01.phx2.fedoraproject.org"));
    assertThat(f).extracting(LintFinding::kind, LintFinding::where).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Kind.UNMATCHED_SIGNER, "rules[0]"),
        org.assertj.core.groups.Tuple.tuple(Kind.UNMATCHED_SIGNER, "rules[1]"),
        org.assertj.core.groups.Tuple.tuple(Kind.NEVER_MATCHES, "rules[1]"));
    assertThat(f.get(0).message()).contains("bodhi-backend*");
  }

  @Test
  void lint_confPolicyYaml_onlyMissingCertificatesAgainstTheTestPki() {
    CompiledPolicy p = TopicPolicy.load(ProjectRoot.resolve("conf/policy.yaml"), PROD);
    assertThat(PolicyLinter.lint(p, null)).isEmpty();
  }

  @Test
  void looksPlural_heuristic() {
    assertThat(PolicyLinter.looksPlural("packages")).isTrue();
    assertThat(PolicyLinter.looksPlural("builds")).isTrue();
    assertThat(PolicyLinter.looksPlural("status")).isFalse();
    assertThat(PolicyLinter.looksPlural("pass")).isFalse();
    assertThat(PolicyLinter.looksPlural("fas")).isFalse();
  }

  @Test
  void lint_wildcardBeforeService_writtenAsIfAbsolute_warnsWithBothFixes() {
    List<LintFinding> f = lint("default: deny\nrules:\n"
        + "  - {topics: ['*.pkgdb.*'], signers: [pkgdb-*], effect: allow}\n");
    assertThat(f).extracting(LintFinding::kind).containsExactly(Kind.LOOKS_ABSOLUTE);
    assertThat(f.get(0).message()).contains("org.fedoraproject.prod.*.pkgdb.*")
        .contains("'pkgdb.*' for this environment").contains("'org.fedoraproject.*.pkgdb.*' for every environment");
  }

  @Test
  void lint_prefixOrEnvironmentInARelativePattern_warns() {
    List<LintFinding> other = PolicyLinter.lint(TopicPolicy.parse("default: deny\nrules:\n"
        + "  - {topics: ['org.fedoraproject.prod.pkgdb.*'], signers: [a], effect: allow}\n", "p.yaml",
        new TopicNamespace("org.example", "prod")), null);
    assertThat(other).extracting(LintFinding::kind).containsExactly(Kind.LOOKS_ABSOLUTE);
    assertThat(other.get(0).message()).contains("org.example.prod.org.fedoraproject.prod.pkgdb.*");
    assertThat(lint("default: deny\nrules:\n  - {topics: ['fedoraproject.prod.pkgdb.*'], signers: [a], effect: allow}\n"))
        .extracting(LintFinding::kind).containsExactly(Kind.LOOKS_ABSOLUTE);
    List<LintFinding> env = lint("default: deny\nrules:\n  - {topics: ['prod.pkgdb.*'], signers: [a], effect: allow}\n");
    assertThat(env).extracting(LintFinding::kind).containsExactly(Kind.LOOKS_ABSOLUTE);
    assertThat(env.get(0).message()).contains("write 'pkgdb.*'");
  }

  @Test
  void lint_ordinaryRelativeAndAbsolutePatterns_noAbsoluteWarning() {
    assertThat(lint("default: deny\nrules:\n"
        + "  - {topics: ['*'], signers: [a], effect: allow}\n"
        + "  - {topics: ['*.create'], signers: [b], effect: allow}\n"
        + "  - {topics: ['pkgdb.*'], signers: [c], effect: allow}\n"
        + "  - {topics: ['org.fedoraproject.*.bodhi.*'], signers: [d], effect: allow}\n"))
        .extracting(LintFinding::kind).doesNotContain(Kind.LOOKS_ABSOLUTE);
  }
}
