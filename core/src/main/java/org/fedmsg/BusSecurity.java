package org.fedmsg;

import java.util.Locale;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.config.TrustSettings;
import org.fedmsg.crypto.CrlFailureMode;
import org.fedmsg.crypto.TrustOptions;
import org.fedmsg.crypto.TrustStore;
import org.fedmsg.policy.PolicyException;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;
import org.fedmsg.wire.MessageVerifier;

/** Builds the trust store, policy and verifier a bus needs from its {@code fedmsg.d} configuration. */
final class BusSecurity {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BusSecurity.class);

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
    checkCrlFile(config);
    TrustOptions.Builder trust = TrustSettings.options(config);
    try {
      return TrustStore.create(trust.build());
    } catch (RuntimeException e) {
      throw new ConfigException("cannot set up signature verification: " + e.getMessage(), e);
    }
  }

  /**
   * A {@code crl_location} file that does not exist would make a fail-closed receiver start and then
   * reject every signed message: refuse to start instead, naming the file. With
   * {@code crl_failure_mode: fail_open} the operator chose availability: start, with a warning.
   *
   * @throws ConfigException when the file is missing and the mode is fail_closed
   */
  static void checkCrlFile(FedmsgConfig config) {
    String location = config.crlLocation().orElse(null);
    if (location == null || location.startsWith("https://") || location.startsWith("http://")) {
      return;
    }
    java.nio.file.Path file = java.nio.file.Path.of(location);
    if (java.nio.file.Files.exists(file)) {
      return;
    }
    if (CrlFailureMode.valueOf(config.crlFailureMode().toUpperCase(Locale.ROOT)) == CrlFailureMode.FAIL_OPEN) {
      LOG.warn("crl_location {} does not exist; starting anyway because crl_failure_mode is fail_open "
          + "(no certificate counts as revoked until it appears)", file);
      return;
    }
    throw new ConfigException("crl_location " + file + " does not exist (crl_failure_mode fail_closed would reject "
        + "every signed message): publish the CRL there, or set crl_failure_mode: fail_open or crl_location: null");
  }

  /**
   * The verifier a receiving component uses: the one given, else (when validating and a
   * configuration is known) one built from it, whose trust store is added to {@code owned} so
   * that the component closes it; null when validation is off.
   */
  static MessageVerifier resolveVerifier(BusOptions options, String component, java.util.List<AutoCloseable> owned) {
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
    return verifier(options.config, trust, options.clock, component, owned);
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

  /**
   * A verifier with the configuration's trust store, policy and replay window; its replay journal
   * is {@code component}'s own ({@link #replayDirectory}).
   */
  static MessageVerifier verifier(FedmsgConfig config, TrustStore trust, java.time.Clock clock, String component,
      java.util.List<AutoCloseable> owned) {
    MessageVerifier verifier = MessageVerifier.builder()
        .trust(trust)
        .policy(policy(config, owned))
        .clock(clock)
        .replayWindow(config.replayWindow())
        .formats(TrustSettings.acceptFormats(config))
        .stateDirectory(config.stateDir().map(dir -> replayDirectory(dir, component)).orElse(null))
        .build();
    owned.add(verifier);
    return verifier;
  }

  /**
   * Where {@code component} keeps its replay journal: {@code <state_dir>/replay/<component>}. A
   * journal is locked by one process, so processes sharing a {@code state_dir} (a relay and a hub)
   * each need their own to keep replay protection across restarts; a restarted component finds its
   * journal again by the same name.
   */
  static java.nio.file.Path replayDirectory(java.nio.file.Path stateDir, String component) {
    return stateDir.resolve("replay").resolve(component.replaceAll("[^A-Za-z0-9._-]", "_"));
  }

  /** The journal name of a bus: {@code bus-<name>}, or {@code bus-default} for a bus without a name. */
  static String busComponent(BusOptions options) {
    return "bus-" + (options.name == null || options.name.isBlank() ? "default" : options.name);
  }
}
