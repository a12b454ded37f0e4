package org.fedmsg.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedmsg.policy.CompiledPolicy;
import org.fedmsg.policy.Decision;
import org.fedmsg.policy.Effect;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.policy.TopicRule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Topic-policy decisions against a policy of 1,000 rules: {@code warm} answers from the
 * per-(topic, signer) cache, {@code cold} evaluates every rule that could match (cache disabled).
 * Targets: under 1 µs warm, under 20 µs cold.
 *
 * <p>The rules look like a large deployment's: 900 services each restricted to their own
 * application servers ({@code svcN.*} to {@code svcN-app0?.phx2.fedoraproject.org}), 80 absolute
 * deny rules that wildcard the environment, and 20 rules whose topic pattern starts with a
 * wildcard, which every decision must try. Queries mix allowed, denied, denied-by-rule and
 * unmentioned topics.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyBenchmark {
  private static final int QUERIES = 1024;

  private CompiledPolicy cached;
  private CompiledPolicy uncached;
  private String[] topics;
  private String[] signers;
  private int next;

  /** The 1,000-rule policy. */
  static CompiledPolicy policy(long cacheSize) {
    CompiledPolicy.Builder b = TopicPolicy.builder()
        .namespace(new TopicNamespace("org.fedoraproject", "prod"))
        .defaultEffect(Effect.DENY)
        .decisionCacheSize(cacheSize);
    for (int i = 0; i < 900; i++) {
      b.rule(TopicRule.allow(List.of("svc" + i + ".*"), List.of("svc" + i + "-app0?.phx2.fedoraproject.org")));
    }
    for (int i = 0; i < 80; i++) {
      b.rule(TopicRule.deny(List.of("org.fedoraproject.*.svc" + (i * 11) + ".secret.*"), List.of("*")));
    }
    for (int i = 0; i < 20; i++) {
      b.rule(TopicRule.deny(List.of("*.admin" + i + ".*"), List.of("shell-*")));
    }
    return b.build();
  }

  @Setup(Level.Trial)
  public void setUp() {
    cached = policy(CompiledPolicy.DEFAULT_CACHE_SIZE);
    uncached = policy(0);
    List<String> t = new ArrayList<>();
    List<String> s = new ArrayList<>();
    for (int q = 0; q < QUERIES; q++) {
      int svc = (q * 7919) % 1000;
      switch (q % 4) {
        case 0: // allowed: own service, own server
          t.add("org.fedoraproject.prod.svc" + svc + ".package.update");
          s.add("svc" + svc + "-app01.phx2.fedoraproject.org");
          break;
        case 1: // denied: another service's certificate
          t.add("org.fedoraproject.prod.svc" + svc + ".package.update");
          s.add("svc" + (svc + 1) + "-app01.phx2.fedoraproject.org");
          break;
        case 2: // denied by an absolute deny rule (or unmentioned for services >= 900)
          t.add("org.fedoraproject.prod.svc" + (svc / 11 * 11) + ".secret.rotate");
          s.add("svc" + (svc / 11 * 11) + "-app01.phx2.fedoraproject.org");
          break;
        default: // unmentioned topic: the default decides
          t.add("org.fedoraproject.prod.other" + svc + ".thing.happen");
          s.add("shell-app01.phx2.fedoraproject.org");
          break;
      }
    }
    topics = t.toArray(String[]::new);
    signers = s.toArray(String[]::new);
    for (int q = 0; q < QUERIES; q++) {
      cached.decide(topics[q], signers[q]);
    }
  }

  @Benchmark
  public Decision warm() {
    int q = next++ & (QUERIES - 1);
    return cached.decide(topics[q], signers[q]);
  }

  @Benchmark
  public Decision cold() {
    int q = next++ & (QUERIES - 1);
    return uncached.decide(topics[q], signers[q]);
  }

  /** Parsing is not measured here; this is the cost of compiling 1,000 rules (a reload). */
  @Benchmark
  @Warmup(iterations = 2, time = 1)
  @Measurement(iterations = 3, time = 1)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public CompiledPolicy compile() {
    return policy(CompiledPolicy.DEFAULT_CACHE_SIZE);
  }
}
