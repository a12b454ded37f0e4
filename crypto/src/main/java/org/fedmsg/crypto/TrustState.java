package org.fedmsg.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One immutable snapshot of the trusted CAs and CRLs, with its own cache of verified chains: a
 * reload swaps the whole snapshot, which invalidates the cache without races.
 */
final class TrustState {
  /** Cache key: the SHA-256 of the presented chain's DER encodings, and the profile. */
  record Key(long h0, long h1, long h2, long h3, Profile profile) {}

  private final List<X509Certificate> anchors;
  private final Set<String> anchorFingerprints;
  private final String caProblem;
  private final boolean crlConfigured;
  private final List<X509CRL> crls;
  private final String crlProblem;
  private final Cache<Key, ChainValidator.Verified> verified;
  /** Shared by every snapshot of one store: what survives reloads (see {@link CrlHistory}). */
  private final CrlHistory crlHistory;

  TrustState(List<X509Certificate> anchors, String caProblem, boolean crlConfigured, List<X509CRL> crls,
      String crlProblem, long cacheSize, CrlHistory crlHistory) {
    this.crlHistory = crlHistory;
    this.anchors = List.copyOf(anchors);
    this.anchorFingerprints = this.anchors.stream()
        .map(c -> Certificates.fingerprint(c)).collect(Collectors.toUnmodifiableSet());
    this.caProblem = caProblem;
    this.crlConfigured = crlConfigured;
    this.crls = List.copyOf(crls);
    this.crlProblem = crlProblem;
    this.verified = Caffeine.newBuilder().executor(Runnable::run).maximumSize(cacheSize).build();
  }

  List<X509Certificate> anchors() {
    return anchors;
  }

  boolean isAnchor(X509Certificate c) {
    return anchorFingerprints.contains(Certificates.fingerprint(c));
  }

  String caProblem() {
    return caProblem;
  }

  boolean crlConfigured() {
    return crlConfigured;
  }

  List<X509CRL> crls() {
    return crls;
  }

  String crlProblem() {
    return crlProblem;
  }

  CrlHistory crlHistory() {
    return crlHistory;
  }

  Cache<Key, ChainValidator.Verified> verified() {
    return verified;
  }

  TrustState withCa(List<X509Certificate> newAnchors, String problem, long cacheSize) {
    return new TrustState(newAnchors, problem, crlConfigured, crls, crlProblem, cacheSize, crlHistory);
  }

  TrustState withCrls(List<X509CRL> newCrls, String problem, long cacheSize) {
    return new TrustState(anchors, caProblem, crlConfigured, newCrls, problem, cacheSize, crlHistory);
  }
}
