package org.fedmsg;

import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.config.TrustSettings;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.PolicyException;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;

/** Builds the trust store, policy and verifier a bus needs from its {@code fedmsg.d} configuration. */
final class BusSecurity {
  private BusSecurity() {}

  /**
   * The topic policy: the {@code policy:} section and the reference's {@code
   * routing_policy}/{@code routing_nitpicky}, and also {@code policy_file} when set (watched: a
   * valid change takes effect at once, a broken one keeps the policy in force; the watcher is
   * added to {@code owned}). A message must pass both: neither setting silently replaces the other.
   *
   * @throws ConfigException when the policy cannot be loaded
   */
  static TopicPolicy policy(FedmsgConfig config, java.util.List<AutoCloseable> owned) {
    try {
      if (config.policyFile().isPresent()) {
        TopicPolicy inConfig = TopicPolicy.fromConfig(config.effective());
        org.fedmsg.policy.ReloadingPolicy watched = org.fedmsg.policy.ReloadingPolicy.watch(
            config.policyFile().get(), new TopicNamespace(config.topicPrefix(), config.environment()));
        owned.add(watched);
        return org.fedmsg.policy.CombinedPolicy.allOf(java.util.List.of(watched, inConfig));
      }
      return TopicPolicy.fromConfig(config.effective());
    } catch (PolicyException e) {
      throw new ConfigException("policy: " + e.getMessage(), e);
    }
  }

  /** A trust store over the configuration's trust settings ({@link TrustSettings}, the one mapping). */
  static TrustStore trustStore(FedmsgConfig config) {
    TrustOptions.Builder trust = TrustSettings.options(config);
    try {
      return TrustStore.create(trust.build());
    } catch (RuntimeException e) {
      throw new ConfigException("cannot set up signature verification: " + e.getMessage(), e);
    }
  }

  /**
   * The verifier a receiving component uses: the one given, else (when validating and a
   * configuration is known) one built from it, whose trust store is added to {@code owned} so
   * that the component closes it; null when validation is off.
   */
  static MessageVerifier resolveVerifier(BusOptions options, java.util.List<AutoCloseable> owned) {
    if (!options.validateSignatures) {
      return null;
    }
    if (options.verifier != null) {
      return options.verifier;
    }
    if (options.config == null) {
      return null;
    }
    TrustStore trust = trustStore(options.config);
    owned.add(trust);
    return verifier(options.config, trust, options.clock, owned);
  }

  /** The signer a publisher uses: the one given, else the configured one when signing is on. */
  static org.fedmsg.crypto.Signer resolveSigner(BusOptions options) {
    if (options.signer != null) {
      return options.signer;
    }
    if (!options.signMessages || options.config == null) {
      return null;
    }
    return Certnames.signer(options.config, options.name, options.active);
  }

  /** The policy a publisher checks its own topics against, or null. */
  static TopicPolicy resolvePublishPolicy(BusOptions options, java.util.List<AutoCloseable> owned) {
    if (options.publishPolicy != null) {
      return options.publishPolicy;
    }
    if (options.config == null
        || options.config.policyFile().isEmpty() && options.config.policy().isEmpty()) {
      return null;
    }
    return policy(options.config, owned);
  }

  /** A verifier with the configuration's trust store, policy and replay window. */
  static MessageVerifier verifier(FedmsgConfig config, TrustStore trust, java.time.Clock clock,
      java.util.List<AutoCloseable> owned) {
    MessageVerifier verifier = MessageVerifier.builder()
        .trust(trust)
        .policy(policy(config, owned))
        .clock(clock)
        .replayWindow(config.replayWindow())
        .formats(TrustSettings.acceptFormats(config))
        .stateDirectory(config.stateDir().map(dir -> dir.resolve("replay")).orElse(null))
        .build();
    owned.add(verifier);
    return verifier;
  }
}
