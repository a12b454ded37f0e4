package org.fedmsg.crypto;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies signatures and their certificate chains against a CA bundle and an optional CRL.
 *
 * <p>The CA bundle and CRL come from files or https URLs ({@link TrustOptions}); files are
 * re-read when they change, URLs fetched again periodically and before the CRL's {@code
 * nextUpdate}, by a daemon thread (or by {@link #refresh()}). A failed reload keeps the previous
 * material and is logged. Chain validation is done here, not by the JDK's PKIX, so that the legacy
 * algorithms of fedmsg/1 can be accepted under {@link Profile#LEGACY}; see {@code docs/trust.md}.
 *
 * <p>Chains that pass are cached (keyed by the SHA-256 of their DER, per profile; bounded; dropped
 * when the CA or CRL changes), so a message from a known signer costs one hash, one lookup, a
 * date comparison and one signature check.
 *
 * <p>Thread-safe. {@link #verify} never throws for bad input. Close the store to stop its thread.
 */
public final class TrustStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrustStore.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  /**
   * The longest certificate text parsed (a fedmsg/1 {@code certificate} field: base64 of PEM), in
   * characters: 16 Ki, about 8.9 KB of DER. A real field is 2-3 Ki characters; parsing costs in
   * proportion to size and an unauthenticated peer chooses the size (see docs/performance.md).
   */
  public static final int MAX_CERTIFICATE_TEXT = 16 * 1024;
  /**
   * The most bytes of a presented chain parsed (fedmsg/2: concatenated DER): 16 KiB. Real chains
   * are 1-6 KiB; the wire format's frame allows up to 64 KiB, receivers refuse more than this.
   */
  public static final int MAX_CHAIN_BYTES = 16 * 1024;
  /**
   * What the parse cache may hold, weighed as the size of the text or bytes plus three times the
   * DER of the parsed certificates (a parsed certificate keeps its encoding and its decoded fields).
   */
  public static final long PARSED_CACHE_BYTES = 8L << 20;
  /** What the parse cache of rejected chains may hold, weighed as {@link #PARSED_CACHE_BYTES}. */
  public static final long REJECTED_CACHE_BYTES = 1L << 20;

  /** A chain refused under one trust snapshot (weakly held: a replaced snapshot ends the entry's use). */
  private record Rejected(java.lang.ref.WeakReference<TrustState> state, VerificationResult result) {}

  private final TrustOptions opts;
  private final TrustSource caSource;
  private final TrustSource crlSource;
  private final ScheduledExecutorService refresher;
  /** Parsed certificates whose chain has validated, by their text or bytes; weighed in bytes. */
  private final Cache<Object, List<X509Certificate>> parsed;
  /**
   * Parsed certificates not validated yet (chain list, by identity, weakly held) to the text or
   * bytes they came from: when {@link #checkChain} validates the list, it moves to {@link #parsed}.
   * A chain that never validates is dropped with the message that brought it.
   */
  private final Cache<List<X509Certificate>, Object> pending;
  /**
   * Negative caches, so that a peer repeating a rejected chain costs a lookup instead of a parse
   * and a chain check: chains (by digest) refused for a reason only a CA change can alter, per
   * trust snapshot, and their parses, weighed within {@link #REJECTED_CACHE_BYTES}.
   */
  private final Cache<TrustState.Key, Rejected> rejectedChains;
  private final Cache<Object, List<X509Certificate>> rejectedParsed;
  /** Chain list instance (identity, weak) to its digest: repeated chains from parseCertificatesCached skip hashing. */
  private final Cache<List<X509Certificate>, long[]> chainDigests;
  private final AtomicLong lastDegradedWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private volatile TrustState state;
  private final AtomicLong crlLoads = new AtomicLong();
  private final AtomicLong crlRefusals = new AtomicLong();
  private volatile String lastCrlRefusal;

  private TrustStore(TrustOptions opts) {
    this.opts = opts;
    HttpClient http = opts.httpClient != null ? opts.httpClient
        : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
    this.caSource = opts.caLocation != null ? new TrustSource(opts.caLocation, "ca", http, opts.stateDirectory) : null;
    this.crlSource = opts.crlLocation != null ? new TrustSource(opts.crlLocation, "crl", http, opts.stateDirectory) : null;
    this.parsed = Caffeine.newBuilder().executor(Runnable::run).maximumWeight(PARSED_CACHE_BYTES)
        .weigher((Object key, List<X509Certificate> certs) -> weight(key, certs)).build();
    this.pending = Caffeine.newBuilder().executor(Runnable::run).weakKeys().maximumWeight(PARSED_CACHE_BYTES)
        .weigher((List<X509Certificate> certs, Object key) -> weight(key, certs)).build();
    this.rejectedChains = Caffeine.newBuilder().executor(Runnable::run).maximumSize(Math.max(16, opts.cacheSize)).build();
    this.rejectedParsed = Caffeine.newBuilder().executor(Runnable::run).maximumWeight(REJECTED_CACHE_BYTES)
        .weigher((Object key, List<X509Certificate> certs) -> weight(key, certs)).build();
    this.chainDigests = Caffeine.newBuilder().executor(Runnable::run).weakKeys().maximumSize(Math.max(16, opts.cacheSize)).build();
    boolean crlConfigured = opts.crlLocation != null || opts.crls != null;
    List<X509Certificate> anchors = opts.caCertificates != null ? opts.caCertificates : List.of();
    this.state = new TrustState(anchors, null, crlConfigured, List.of(), "not loaded yet", opts.cacheSize,
        new CrlHistory());
    if (opts.backgroundRefresh && (caSource != null || crlSource != null)) {
      refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fedmsg-trust-refresh");
        t.setDaemon(true);
        return t;
      });
    } else {
      refresher = null;
    }
  }

  /**
   * Creates a store and loads its sources. A CRL that cannot be loaded is not fatal: it is logged
   * and verification then follows {@link CrlFailureMode}.
   *
   * @throws UncheckedIOException if the CA bundle cannot be read or fetched (and no state copy
   *     exists)
   * @throws IllegalArgumentException if the CA bundle holds no valid certificate
   */
  public static TrustStore create(TrustOptions options) {
    TrustStore store = new TrustStore(Objects.requireNonNull(options, "options"));
    if (store.caSource != null) {
      String text;
      try {
        text = store.caSource.poll(options.clock.instant(), true);
      } catch (IOException e) {
        text = store.caSource.readStateCopy();
        if (text == null) {
          throw new UncheckedIOException("cannot load CA bundle from " + options.caLocation, e);
        }
        log.warn("CA bundle {} unavailable ({}); using the copy in the state directory", options.caLocation, describe(e));
      }
      List<X509Certificate> cas = Pem.readCertificates(text);
      store.state = store.state.withCa(cas, null, options.cacheSize);
      store.keepCopy(store.caSource, text);
    }
    if (options.crls != null) {
      store.admitCrls(options.crls, null);
    }
    store.refreshCrl(true);
    if (store.refresher != null) {
      long ms = options.pollInterval.toMillis();
      store.refresher.scheduleWithFixedDelay(store::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
    return store;
  }

  /* --------------- verification --------------- */

  /**
   * Verifies a signature made by the leaf of {@code chainLeafFirst}, and the chain, as of {@code
   * at}.
   *
   * @param chainLeafFirst the signer's certificate then any intermediates (the CA itself may be
   *     included or not)
   * @param algorithm the message-signature algorithm
   * @param data the signed bytes
   * @param signature the signature bytes
   * @param at the instant at which certificates and CRL are judged (now, or the signing time of
   *     an archived message)
   * @param profile the algorithm profile: {@link Profile#LEGACY} for fedmsg/1, {@link
   *     Profile#STRONG} for fedmsg/2
   * @return {@link VerificationResult.Valid} with the signer, or {@link VerificationResult.Invalid}
   *     with a reason; never null, never throws for bad input (null arguments give MALFORMED)
   */
  public VerificationResult verify(List<X509Certificate> chainLeafFirst, SignatureAlgorithm algorithm,
      byte[] data, byte[] signature, Instant at, Profile profile) {
    if (algorithm == null) {
      return VerificationResult.invalid(Reason.UNSUPPORTED_CRYPTO, "no signature algorithm");
    }
    if (data == null || signature == null || at == null || profile == null) {
      return VerificationResult.invalid(Reason.MALFORMED, "missing data, signature, instant or profile");
    }
    if (profile == Profile.STRONG && !algorithm.isStrong()) {
      return VerificationResult.invalid(Reason.WEAK_ALGORITHM, algorithm.wireName() + " is not allowed in the strong profile");
    }
    if (!opts.allowedDigests.contains(algorithm.digest())) {
      return VerificationResult.invalid(Reason.WEAK_ALGORITHM, algorithm.wireName() + ": " + algorithm.digest() + " is not an allowed digest");
    }
    Object checked = checkChain(chainLeafFirst, at, profile);
    if (checked instanceof VerificationResult) {
      return (VerificationResult) checked;
    }
    ChainValidator.Verified v = (ChainValidator.Verified) checked;
    if (!Primitives.keyMatches(v.kind(), algorithm)) {
      return VerificationResult.invalid(Reason.BAD_SIGNATURE,
          "a " + v.kind() + " key cannot make " + algorithm.wireName() + " signatures");
    }
    try {
      if (!Primitives.verify(algorithm, v.key(), data, signature)) {
        return VerificationResult.invalid(Reason.BAD_SIGNATURE, "signature does not verify");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      return VerificationResult.invalid(Reason.BAD_SIGNATURE, "signature check failed: " + e.getMessage());
    }
    warnIfDegraded(v);
    return VerificationResult.valid(v.identity());
  }

  /** As {@link #verify(List, SignatureAlgorithm, byte[], byte[], Instant, Profile)} as of the clock's now. */
  public VerificationResult verify(List<X509Certificate> chainLeafFirst, SignatureAlgorithm algorithm,
      byte[] data, byte[] signature, Profile profile) {
    return verify(chainLeafFirst, algorithm, data, signature, opts.clock.instant(), profile);
  }

  /**
   * Validates only the certificate chain (no message signature), e.g. for a discovery record or an
   * operator's check of a certificate file.
   *
   * @return Valid with the leaf's identity, or Invalid with the reason; never throws for bad input
   */
  public VerificationResult verifyChain(List<X509Certificate> chainLeafFirst, Instant at, Profile profile) {
    if (at == null || profile == null) {
      return VerificationResult.invalid(Reason.MALFORMED, "missing instant or profile");
    }
    Object checked = checkChain(chainLeafFirst, at, profile);
    if (checked instanceof VerificationResult) {
      return (VerificationResult) checked;
    }
    warnIfDegraded((ChainValidator.Verified) checked);
    return VerificationResult.valid(((ChainValidator.Verified) checked).identity());
  }

  /** Returns a {@link ChainValidator.Verified} or an Invalid result. */
  private Object checkChain(List<X509Certificate> chain, Instant at, Profile profile) {
    if (chain == null || chain.isEmpty()) {
      return VerificationResult.invalid(Reason.UNSIGNED, "no certificate");
    }
    for (X509Certificate c : chain) {
      if (c == null) {
        return VerificationResult.invalid(Reason.MALFORMED, "null certificate in chain");
      }
    }
    TrustState s = state;
    TrustState.Key key;
    try {
      key = cacheKey(chain, profile);
    } catch (RuntimeException e) {
      return VerificationResult.invalid(Reason.MALFORMED, "certificate cannot be encoded");
    }
    ChainValidator.Verified hit = s.verified().getIfPresent(key);
    if (hit != null && !at.isBefore(hit.notBefore()) && !at.isAfter(hit.notAfter()) && !at.isAfter(hit.crlUsableUntil())) {
      promote(chain);
      return hit;
    }
    Rejected earlier = rejectedChains.getIfPresent(key);
    if (earlier != null && earlier.state().get() == s) {
      keepRejectedParse(chain);
      return earlier.result();
    }
    ChainValidator.Outcome outcome;
    try {
      outcome = ChainValidator.validate(s, opts, chain, at, profile);
    } catch (RuntimeException e) {
      // malformed certificate contents that the parser let through
      return reject(s, key, chain, VerificationResult.invalid(Reason.MALFORMED, "certificate chain cannot be checked: " + e));
    }
    if (outcome.invalid() != null) {
      return reject(s, key, chain, outcome.invalid());
    }
    ChainValidator.Verified v = outcome.verified();
    try {
      v = adapt(v);
    } catch (GeneralSecurityException | RuntimeException e) {
      return VerificationResult.invalid(Reason.MALFORMED, "unusable public key: " + e.getMessage());
    }
    if (!v.degraded()) {
      s.verified().put(key, v);
      promote(chain);
    }
    return v;
  }

  /**
   * Remembers a refusal that does not depend on the instant or the CRL (an unknown issuer, a
   * malformed or weak certificate): only a new CA bundle can change it, and a new bundle is a new
   * snapshot.
   */
  private VerificationResult reject(TrustState s, TrustState.Key key, List<X509Certificate> chain,
      VerificationResult result) {
    if (result instanceof VerificationResult.Invalid inv && (inv.reason() == Reason.UNTRUSTED_CHAIN
        || inv.reason() == Reason.MALFORMED || inv.reason() == Reason.WEAK_ALGORITHM)) {
      rejectedChains.put(key, new Rejected(new java.lang.ref.WeakReference<>(s), result));
      keepRejectedParse(chain);
    }
    return result;
  }

  private void keepRejectedParse(List<X509Certificate> chain) {
    Object source = pending.getIfPresent(chain);
    if (source != null) {
      pending.invalidate(chain);
      rejectedParsed.put(source, chain);
    }
  }

  /** Caches the parse of a chain that has just validated, if it came from {@link #parseCertificatesCached}. */
  private void promote(List<X509Certificate> chain) {
    Object source = pending.getIfPresent(chain);
    if (source != null) {
      pending.invalidate(chain);
      parsed.put(source, chain);
    }
  }

  private static int weight(Object source, List<X509Certificate> certs) {
    long w = source instanceof String text ? text.length() : ((ByteBuffer) source).remaining();
    for (X509Certificate c : certs) {
      try {
        w += 3L * c.getEncoded().length;
      } catch (GeneralSecurityException e) {
        w += 3L * MAX_CHAIN_BYTES;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** The weighed size of the parse cache, in bytes (at most {@link #PARSED_CACHE_BYTES}, give or take an entry). */
  public long parsedCacheBytes() {
    parsed.cleanUp();
    return parsed.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  private static ChainValidator.Verified adapt(ChainValidator.Verified v) throws GeneralSecurityException {
    SignatureAlgorithm alg = v.kind() == Keys.Kind.EC_P256 ? SignatureAlgorithm.ECDSA_P256_SHA256
        : v.kind() == Keys.Kind.ED25519 ? SignatureAlgorithm.ED25519 : null;
    if (alg == null) {
      return v;
    }
    PublicKey k = Primitives.adaptPublic(v.key(), alg);
    return new ChainValidator.Verified(k, v.kind(), v.identity(), v.notBefore(), v.notAfter(),
        v.crlUsableUntil(), v.degraded(), v.degradedDetail());
  }

  private TrustState.Key cacheKey(List<X509Certificate> chain, Profile profile) {
    // only immutable lists may be memoised by identity: a mutable one could change under us
    boolean memo = chain == List.copyOf(chain);
    long[] h = memo ? chainDigests.getIfPresent(chain) : null;
    if (h == null) {
      h = chainDigest(chain);
      if (memo) {
        chainDigests.put(chain, h);
      }
    }
    return new TrustState.Key(h[0], h[1], h[2], h[3], profile);
  }

  private static long[] chainDigest(List<X509Certificate> chain) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
      for (X509Certificate c : chain) {
        md.update(c.getEncoded());
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(e);
    }
    ByteBuffer h = ByteBuffer.wrap(md.digest());
    return new long[] {h.getLong(), h.getLong(), h.getLong(), h.getLong()};
  }

  private void warnIfDegraded(ChainValidator.Verified v) {
    if (!v.degraded()) {
      return;
    }
    long now = System.nanoTime();
    long last = lastDegradedWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastDegradedWarning.compareAndSet(last, now)) {
      log.warn("accepting {} without a usable CRL (crl_failure_mode=fail_open): {}", v.identity().commonName(), v.degradedDetail());
    }
  }

  /* --------------- parsing with a cache --------------- */

  /**
   * Parses certificates from text, with a cache keyed by the text so that a signer's repeated
   * messages skip base64 and ASN.1 parsing. The text may be PEM (text around blocks ignored) or a
   * fedmsg/1 {@code certificate} field (base64 of PEM, wrapped lines allowed).
   *
   * <p>Only certificates whose chain has since validated ({@link #verify}, {@link #verifyChain},
   * with the returned list) are cached, weighed by their size within {@link #PARSED_CACHE_BYTES}:
   * certificates nobody vouches for cannot fill the heap.
   *
   * @return the certificates, leaf first; immutable; the same instances for the same text once
   *     their chain has validated
   * @throws IllegalArgumentException if the text holds no valid certificate or is longer than
   *     {@link #MAX_CERTIFICATE_TEXT}
   */
  public List<X509Certificate> parseCertificatesCached(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() > MAX_CERTIFICATE_TEXT) {
      throw new IllegalArgumentException("certificate text of " + text.length() + " characters is over the limit of "
          + MAX_CERTIFICATE_TEXT);
    }
    List<X509Certificate> hit = parsed.getIfPresent(text);
    if (hit == null) {
      hit = rejectedParsed.getIfPresent(text);
    }
    if (hit != null) {
      return hit;
    }
    String pem = text.contains("-----BEGIN") ? text
        : new String(Pem.base64DecodeLenient(text), StandardCharsets.ISO_8859_1);
    List<X509Certificate> certs = Pem.readCertificates(pem);
    pending.put(certs, text);
    return certs;
  }

  /**
   * Parses certificates from bytes, cached by content: one or more concatenated DER certificates,
   * or PEM text.
   *
   * <p>Cached as {@link #parseCertificatesCached(String)}: only once the chain has validated.
   *
   * @return the certificates in order; immutable
   * @throws IllegalArgumentException if the bytes hold no valid certificate or are more than
   *     {@link #MAX_CHAIN_BYTES}
   */
  public List<X509Certificate> parseCertificatesCached(byte[] derOrPem) {
    Objects.requireNonNull(derOrPem, "derOrPem");
    if (derOrPem.length > MAX_CHAIN_BYTES) {
      throw new IllegalArgumentException("certificate chain of " + derOrPem.length + " bytes is over the limit of "
          + MAX_CHAIN_BYTES);
    }
    ByteBuffer key = ByteBuffer.wrap(derOrPem.clone());
    List<X509Certificate> hit = parsed.getIfPresent(key);
    if (hit == null) {
      hit = rejectedParsed.getIfPresent(key);
    }
    if (hit != null) {
      return hit;
    }
    List<X509Certificate> certs;
    if (derOrPem.length > 0 && derOrPem[0] == 0x30) {
      certs = parseDerSequence(derOrPem);
    } else {
      certs = Pem.readCertificates(new String(derOrPem, StandardCharsets.ISO_8859_1));
    }
    pending.put(certs, key);
    return certs;
  }

  private static List<X509Certificate> parseDerSequence(byte[] der) {
    List<X509Certificate> out = new ArrayList<>();
    int off = 0;
    while (off < der.length) {
      int len = derLength(der, off);
      byte[] one = java.util.Arrays.copyOfRange(der, off, off + len);
      out.add(Pem.certificateFromDer(one));
      off += len;
    }
    return List.copyOf(out);
  }

  /** Total length (header included) of the DER SEQUENCE at {@code off}. */
  private static int derLength(byte[] b, int off) {
    if (off + 2 > b.length || b[off] != 0x30) {
      throw new IllegalArgumentException("not a DER certificate at offset " + off);
    }
    int first = b[off + 1] & 0xff;
    if (first < 0x80) {
      return checkLen(b, off, 2 + first);
    }
    int n = first & 0x7f;
    if (n == 0 || n > 3 || off + 2 + n > b.length) {
      throw new IllegalArgumentException("bad DER length at offset " + off);
    }
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (b[off + 2 + i] & 0xff);
    }
    return checkLen(b, off, 2 + n + len);
  }

  private static int checkLen(byte[] b, int off, int len) {
    if (off + len > b.length) {
      throw new IllegalArgumentException("truncated DER certificate");
    }
    return len;
  }

  /* --------------- refresh --------------- */

  /**
   * Checks the sources now: re-reads changed files and fetches due URLs (the CA every {@link
   * TrustOptions.Builder#urlRefreshInterval}, the CRL also before its {@code nextUpdate} and after a
   * failure). Failures keep the previous material and are logged, never thrown.
   */
  public synchronized void refresh() {
    refreshCa();
    refreshCrl(false);
  }

  /** The CRLs in use (empty if none is configured or loaded yet). */
  public List<X509CRL> crls() {
    return state.crls();
  }

  /** The trusted CA certificates in use. */
  public List<X509Certificate> caCertificates() {
    return state.anchors();
  }

  /** Stops background refreshing; verification keeps working with the material loaded. */
  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.error("trust refresh failed", e);
    }
  }

  private synchronized void refreshCa() {
    if (caSource == null) {
      return;
    }
    Instant now = opts.clock.instant();
    boolean due = caSource.lastFetch() == null || !now.isBefore(caSource.lastFetch().plus(opts.urlRefreshInterval));
    try {
      String text = caSource.poll(now, due);
      if (text != null) {
        List<X509Certificate> cas = Pem.readCertificates(text);
        state = state.withCa(cas, null, opts.cacheSize);
        keepCopy(caSource, text);
        log.info("CA bundle reloaded from {} ({} certificates)", opts.caLocation, cas.size());
        if (crlSource != null && state.crls().isEmpty()) {
          crlSource.forget(); // a CRL refused under the old CA is judged again under the new one
        }
      }
    } catch (IOException | RuntimeException e) {
      caSource.forget();
      log.warn("CA bundle {} could not be reloaded, keeping the previous one: {}", opts.caLocation, describe(e));
    }
  }

  private synchronized void refreshCrl(boolean initial) {
    if (crlSource == null) {
      return;
    }
    Instant now = opts.clock.instant();
    List<X509CRL> crls;
    String text;
    try {
      text = crlSource.poll(now, initial || crlFetchDue(now));
      if (text == null) {
        return;
      }
      crls = Pem.readCrls(text);
    } catch (IOException | RuntimeException e) {
      crlSource.forget();
      crlUnavailable(describe(e), initial);
      return;
    }
    // the text is not forgotten when refused: the same refused file is judged once, not every poll
    if (admitCrls(crls, "CRL reloaded from " + opts.crlLocation)) {
      keepCopy(crlSource, text);
    }
  }

  /** Keeps accepted material fetched from a URL in the state directory; a failure only warns. */
  private void keepCopy(TrustSource source, String text) {
    try {
      source.keep(text);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot keep a copy of {} in the state directory: {}", source.location(), describe(e));
    }
  }

  /**
   * Puts {@code crls} in force if each is signed by its CA and none rolls back; else keeps what is
   * in force. {@code what} is logged on success (null: nothing logged).
   */
  private boolean admitCrls(List<X509CRL> crls, String what) {
    TrustState s = state;
    String refused = s.crlHistory().check(crls, s.anchors());
    if (refused != null) {
      crlRefusals.incrementAndGet();
      lastCrlRefusal = opts.clock.instant() + ": " + refused;
      if (s.crls().isEmpty()) {
        state = s.withCrls(List.of(), "refused: " + refused, opts.cacheSize);
        log.error("CRL {} refused: {} (crl_failure_mode={})", crlName(), refused, opts.crlFailureMode);
      } else {
        log.error("CRL {} refused, keeping the previous one in force: {}", crlName(), refused);
      }
      return false;
    }
    s.crlHistory().recordLoad(crls, s.anchors());
    state = s.withCrls(crls, null, opts.cacheSize);
    crlLoads.incrementAndGet();
    if (what != null) {
      log.info("{} ({} CRLs)", what, crls.size());
    }
    return true;
  }

  private String crlName() {
    return opts.crlLocation != null ? opts.crlLocation : "(given directly)";
  }

  private void crlUnavailable(String why, boolean initial) {
    if (!state.crls().isEmpty()) {
      log.warn("CRL {} could not be refreshed, keeping the previous one: {}", opts.crlLocation, why);
      return;
    }
    String copy = initial ? crlSource.readStateCopy() : null;
    List<X509CRL> fromCopy = null;
    if (copy != null) {
      try {
        fromCopy = Pem.readCrls(copy);
      } catch (IllegalArgumentException bad) {
        log.warn("ignoring unreadable CRL copy in the state directory: {}", bad.getMessage());
      }
    }
    if (fromCopy != null) {
      if (admitCrls(fromCopy, "CRL " + opts.crlLocation + " unavailable (" + why + "); using the copy in the state directory")) {
        return;
      }
      crlSource.forget();
      return;
    }
    state = state.withCrls(List.of(), why, opts.cacheSize);
    log.error("CRL {} unavailable: {} (crl_failure_mode={})", opts.crlLocation, why, opts.crlFailureMode);
  }

  /**
   * The CRL bookkeeping, for status reports: how many loads were put in force, how many were
   * refused (bad signature or rollback) and why the last one was, and the CRLs in force.
   */
  public CrlStatus crlStatus() {
    TrustState s = state;
    List<String> inForce = new ArrayList<>();
    for (X509CRL crl : s.crls()) {
      java.math.BigInteger n = CrlHistory.crlNumber(crl);
      inForce.add(crl.getIssuerX500Principal().getName() + (n != null ? " #" + n : "") + " thisUpdate "
          + crl.getThisUpdate().toInstant() + (crl.getNextUpdate() != null ? " nextUpdate " + crl.getNextUpdate().toInstant() : ""));
    }
    return new CrlStatus(s.crlConfigured(), crlLoads.get(), crlRefusals.get(), lastCrlRefusal,
        s.crls().isEmpty() ? s.crlProblem() : null, List.copyOf(inForce));
  }

  /**
   * See {@link #crlStatus()}.
   *
   * @param configured whether a CRL is configured at all
   * @param loads CRL loads put in force since start
   * @param refused CRL loads refused (signature or rollback) since start; each kept the previous CRL
   * @param lastRefusal when and why the last load was refused, or null
   * @param problem why no CRL is in force, or null when one is
   * @param inForce one line per CRL in force: issuer, cRLNumber, thisUpdate, nextUpdate
   */
  public record CrlStatus(boolean configured, long loads, long refused, String lastRefusal, String problem,
      List<String> inForce) {}

  private static String describe(Exception e) {
    return e.getMessage() != null ? e.getMessage() : e.toString();
  }

  /** A URL CRL is fetched every refresh interval, from shortly before nextUpdate on, and after failures. */
  private boolean crlFetchDue(Instant now) {
    Instant last = crlSource.lastFetch();
    if (last == null || state.crls().isEmpty() || !now.isBefore(last.plus(opts.urlRefreshInterval))) {
      return true;
    }
    for (X509CRL crl : state.crls()) {
      if (crl.getNextUpdate() != null) {
        Instant next = crl.getNextUpdate().toInstant();
        Duration lead = Duration.between(crl.getThisUpdate().toInstant(), next).dividedBy(10);
        if (lead.compareTo(Duration.ofHours(1)) > 0) {
          lead = Duration.ofHours(1);
        }
        if (!now.isBefore(next.minus(lead))) {
          return true;
        }
      }
    }
    return false;
  }
}
