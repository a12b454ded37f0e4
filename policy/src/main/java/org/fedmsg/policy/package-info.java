/**
 * Topic authorization: which certificate common names may emit which topics.
 *
 * <p>Start with {@link org.fedmsg.policy.TopicPolicy}: {@code TopicPolicy.load(path, namespace)}
 * or {@code TopicPolicy.fromConfig(config)} give an immutable
 * {@link org.fedmsg.policy.CompiledPolicy}; {@link org.fedmsg.policy.ReloadingPolicy} follows a
 * file and swaps policies atomically. {@code decide(topic, signerCommonName)} returns a
 * {@link org.fedmsg.policy.Decision} naming the rule or default that decided; a publisher calls
 * {@code requireAllowed} and gets a {@link org.fedmsg.policy.PolicyViolationException}.
 * {@link org.fedmsg.policy.PolicyLinter} checks a policy for dead, shadowed and badly named rules.
 *
 * <p>This package knows topics and names only: no sockets, no cryptography. Deny beats allow, a
 * topic some rule mentions is closed to every signer those rules do not allow, and anything unknown
 * is a deny. See {@code docs/policy.md}.
 */
package org.fedmsg.policy;
