package org.fedmsg.discovery.directory;

import java.nio.file.Path;
import java.util.Objects;
import org.fedmsg.policy.Decision;
import org.fedmsg.policy.TopicNamespace;
import org.fedmsg.policy.TopicPolicy;

/**
 * Which certificate (by common name) may register which service name in the directory.
 *
 * <p>Written in the topic-policy format of {@code org.fedmsg.policy}: service names are matched as topics
 * in the namespace {@code fedmsg.directory}, so a rule {@code topics: ["bodhi.*"], signers:
 * ["bodhi-app0?.example.org"]} lets those hosts register {@code bodhi.<anything>}. Deny beats allow, and a
 * service no rule mentions follows the policy's {@code default} (write {@code default: deny}).
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface RegistrationPolicy {

  /** The namespace service names are placed in when matched against a topic policy. */
  TopicNamespace NAMESPACE = new TopicNamespace("fedmsg", "directory");

  /**
   * Decides whether the holder of a certificate with this common name may register this service.
   *
   * @param service the service name
   * @param signerCommonName the verified signer's common name
   * @return the decision, naming the rule or default that decided
   */
  Decision decide(String service, String signerCommonName);

  /**
   * Adapts a topic policy written for the {@link #NAMESPACE} namespace.
   *
   * @param policy the policy
   * @return the registration policy
   */
  static RegistrationPolicy of(TopicPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return (service, cn) -> policy.decide(NAMESPACE.relativeBase() + service, cn);
  }

  /**
   * Loads a policy file (the YAML format of {@code TopicPolicy.load}).
   *
   * @param file the file
   * @return the registration policy
   * @throws org.fedmsg.policy.PolicyException if the file cannot be read or is invalid
   */
  static RegistrationPolicy load(Path file) {
    return of(TopicPolicy.load(file, NAMESPACE));
  }
}
