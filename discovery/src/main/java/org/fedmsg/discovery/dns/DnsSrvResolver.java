package org.fedmsg.discovery.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.EndpointResolver;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Resolves {@code _fedmsg._tcp.<domain>} SRV records into {@code tcp://<target>:<port>} endpoints (trailing
 * dot removed), ordered by priority and weight, with the CURVE key of each publisher from the TXT record
 * {@code _<port>._fedmsg-curve.<target>} = {@code "curve=<Z85 key>"}.
 *
 * <p>Every DNS outcome other than a usable answer becomes a distinct {@link Problem}: NXDOMAIN, no SRV
 * answer, an SRV record with target {@code .}, timeout, SERVFAIL, other response codes, network errors.
 * Nothing is thrown. Queries go straight to the configured servers (no local DNS cache: {@link
 * org.fedmsg.discovery.Discovery} caches the whole answer for the smallest TTL).
 */
final class DnsSrvResolver implements EndpointResolver {

  static final String TXT_PREFIX = "curve=";
  private static final Logger LOG = LoggerFactory.getLogger(DnsSrvResolver.class);

  private final String label;
  private final List<String> domains;
  private final List<InetSocketAddress> servers;
  private final Duration timeout;
  private final SrvOrdering.Mode mode;
  private final boolean curveTxt;
  /** How long the same problem is not logged again. */
  static final Duration WARN_INTERVAL = Duration.ofMinutes(10);
  private final java.util.Map<String, Warned> lastWarned = new java.util.HashMap<>();
  private long warningsLogged;
  private final Clock clock;
  private final Random random;

  DnsSrvResolver(String label, List<String> domains, List<InetSocketAddress> servers, Duration timeout,
      SrvOrdering.Mode mode, boolean curveTxt, Clock clock, Random random) {
    this.label = label;
    this.domains = List.copyOf(domains);
    this.servers = List.copyOf(servers);
    this.timeout = timeout;
    this.mode = mode;
    this.curveTxt = curveTxt;
    this.clock = clock;
    this.random = random;
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public Resolution resolve() {
    List<Endpoint> endpoints = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    long[] minTtl = {Long.MAX_VALUE};
    Resolver resolver;
    try {
      resolver = buildResolver();
    } catch (IOException e) {
      Problem p = logged(Problem.Kind.UNREACHABLE, serversText(), "cannot set up the DNS resolver: " + e);
      return new Resolution(label, List.of(), List.of(p), clock.instant(), Optional.empty());
    }
    for (String domain : domains) {
      resolveDomain(resolver, domain, endpoints, problems, minTtl);
    }
    Optional<Duration> ttl = minTtl[0] == Long.MAX_VALUE ? Optional.empty() : Optional.of(Duration.ofSeconds(minTtl[0]));
    return new Resolution(label, endpoints, problems, clock.instant(), ttl);
  }

  private Resolver buildResolver() throws UnknownHostException {
    if (servers.isEmpty()) {
      ExtendedResolver system = new ExtendedResolver();
      system.setTimeout(timeout);
      return system;
    }
    List<Resolver> each = new ArrayList<>();
    for (InetSocketAddress s : servers) {
      // Resolved here, each time, so a nameserver given by name follows its address changes.
      SimpleResolver r = new SimpleResolver(new InetSocketAddress(s.getHostString(), s.getPort()));
      r.setTimeout(timeout);
      each.add(r);
    }
    if (each.size() == 1) {
      return each.get(0);
    }
    ExtendedResolver ext = new ExtendedResolver(each);
    ext.setTimeout(timeout);
    ext.setRetries(1);
    return ext;
  }

  private void resolveDomain(Resolver resolver, String domain, List<Endpoint> out, List<Problem> problems,
      long[] minTtl) {
    List<Problem> srvProblems = new ArrayList<>();
    Optional<Message> answer = querySrv(resolver, domain, srvProblems);
    srvProblems.forEach(this::warn);
    problems.addAll(srvProblems);
    answer.ifPresent(a -> readSrv(resolver, domain, a, out, problems, minTtl, false));
    resolveReplay(resolver, domain, out, minTtl);
  }

  /**
   * The replay endpoints of {@code domain}: {@code _fedmsg-replay._tcp.<domain>} SRV records (CURVE
   * keys from the same TXT records as the publish endpoints, at the replay port). Optional: a
   * domain without them is normal, and a failed lookup is logged but does not fail the source
   * (its publishers were found).
   */
  private void resolveReplay(Resolver resolver, String domain, List<Endpoint> out, long[] minTtl) {
    List<Problem> replayProblems = new ArrayList<>();
    Optional<Message> answer = querySrv(resolver, REPLAY_SERVICE, domain, replayProblems);
    for (Problem p : replayProblems) {
      if (p.kind() == Problem.Kind.NXDOMAIN || p.kind() == Problem.Kind.NO_ANSWER) {
        LOG.debug("{}: no replay endpoints for {}", label, domain);
      } else {
        warn(p);
      }
    }
    List<Problem> ignored = new ArrayList<>();
    answer.ifPresent(a -> readSrv(resolver, domain, a, out, ignored, minTtl, true));
    ignored.stream().filter(p -> p.kind() != Problem.Kind.NO_ANSWER).forEach(this::warn);
  }

  /** The SRV service label of replay endpoints. */
  static final String REPLAY_SERVICE = "_fedmsg-replay";

  private Optional<Message> querySrv(Resolver resolver, String domain, List<Problem> problems) {
    return querySrv(resolver, "_fedmsg", domain, problems);
  }

  private Optional<Message> querySrv(Resolver resolver, String service, String domain, List<Problem> problems) {
    try {
      return query(resolver, Name.fromString(service + "._tcp." + domain, Name.root), Type.SRV, problems);
    } catch (TextParseException e) {
      problems.add(problem(Problem.Kind.MALFORMED_ENTRY, domain, "not a domain name: " + e.getMessage()));
      return Optional.empty();
    }
  }

  private void readSrv(Resolver resolver, String domain, Message answer, List<Endpoint> out,
      List<Problem> problems, long[] minTtl, boolean replay) {
    Name qname = answer.getQuestion().getName();
    List<SRVRecord> srv = new ArrayList<>();
    for (Record r : answer.getSection(Section.ANSWER)) {
      if (r instanceof SRVRecord s && s.getName().equals(qname)) {
        minTtl[0] = Math.min(minTtl[0], r.getTTL());
        if (s.getTarget().equals(Name.root)) {
          problems.add(logged(Problem.Kind.NO_TARGET, qname.toString(),
              "SRV record with target '.' (service decidedly not available), port " + s.getPort()));
        } else {
          srv.add(s);
        }
      }
    }
    if (srv.isEmpty()) {
      if (problems.stream().noneMatch(p -> p.subject().equals(qname.toString()))) {
        problems.add(logged(Problem.Kind.NO_ANSWER, qname.toString(), "the name exists but has no SRV record"));
      }
      return;
    }
    for (SRVRecord s : SrvOrdering.order(srv, mode, random)) {
      String host = s.getTarget().toString(true);
      String url = "tcp://" + host + ":" + s.getPort();
      Optional<String> key = curveTxt ? curveKey(resolver, s, problems, minTtl) : Optional.empty();
      out.add(replay ? Endpoint.replay(domain, url, key, label) : new Endpoint(domain, url, key, label));
    }
  }

  private Optional<String> curveKey(Resolver resolver, SRVRecord s, List<Problem> problems, long[] minTtl) {
    Name txtName;
    try {
      txtName = Name.concatenate(Name.fromString("_" + s.getPort() + "._fedmsg-curve"), s.getTarget());
    } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
      problems.add(logged(Problem.Kind.BAD_CURVE_KEY, s.getTarget().toString(), "no TXT name: " + e.getMessage()));
      return Optional.empty();
    }
    List<Problem> txtProblems = new ArrayList<>();
    Optional<Message> answer = query(resolver, txtName, Type.TXT, txtProblems);
    // A publisher without a key record is normal (CURVE off); only failures to ask are problems.
    for (Problem p : txtProblems) {
      if (p.kind() == Problem.Kind.NXDOMAIN) {
        LOG.debug("{}: no CURVE key record {}", label, txtName);
      } else {
        // The publishers themselves were found: failing to ask for a key must not fail the
        // whole source. The endpoint goes on without a key (a CURVE subscriber then refuses
        // to connect to it: fail closed), and the failure is reported as a key problem.
        Problem keyProblem = logged(Problem.Kind.BAD_CURVE_KEY, txtName.toString(),
            "could not look up the CURVE key record (" + p.kind() + ": " + p.detail() + "); endpoint used without a key");
        problems.add(keyProblem);
      }
    }
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    Set<String> keys = new TreeSet<>();
    List<String> bad = new ArrayList<>();
    for (Record r : answer.get().getSection(Section.ANSWER)) {
      if (r instanceof TXTRecord t && t.getName().equals(txtName)) {
        minTtl[0] = Math.min(minTtl[0], r.getTTL());
        for (String str : t.getStrings()) {
          if (str.startsWith(TXT_PREFIX)) {
            String k = str.substring(TXT_PREFIX.length()).trim();
            if (CurveKeys.isValid(k)) {
              keys.add(k);
            } else {
              bad.add(str);
            }
          }
        }
      }
    }
    if (!bad.isEmpty()) {
      problems.add(logged(Problem.Kind.BAD_CURVE_KEY, txtName.toString(),
          "TXT value is not curve=<40 characters of Z85>: " + bad + "; endpoint used without a key"));
      return Optional.empty();
    }
    if (keys.size() > 1) {
      problems.add(logged(Problem.Kind.BAD_CURVE_KEY, txtName.toString(),
          keys.size() + " different CURVE keys; endpoint used without a key"));
      return Optional.empty();
    }
    return keys.stream().findFirst();
  }

  /** Sends one query; on anything but NOERROR records a problem and returns empty. */
  private Optional<Message> query(Resolver resolver, Name name, int type, List<Problem> problems) {
    Message response;
    String what = name + " " + Type.string(type);
    try {
      response = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    } catch (IOException | RuntimeException e) {
      if (isTimeout(e)) {
        problems.add(problem(Problem.Kind.TIMEOUT, name.toString(),
            "no answer from " + serversText() + " within " + timeout.toMillis() + " ms for " + what));
      } else {
        problems.add(problem(Problem.Kind.UNREACHABLE, name.toString(),
            "cannot query " + serversText() + " for " + what + ": " + e));
      }
      return Optional.empty();
    }
    int rcode = response.getRcode();
    switch (rcode) {
      case Rcode.NOERROR:
        return Optional.of(response);
      case Rcode.NXDOMAIN:
        problems.add(problem(Problem.Kind.NXDOMAIN, name.toString(), "no such name (" + what + ")"));
        return Optional.empty();
      case Rcode.SERVFAIL:
        problems.add(problem(Problem.Kind.SERVFAIL, name.toString(), serversText() + " answered SERVFAIL for " + what));
        return Optional.empty();
      default:
        problems.add(problem(Problem.Kind.DNS_ERROR, name.toString(),
            serversText() + " answered " + Rcode.string(rcode) + " for " + what));
        return Optional.empty();
    }
  }

  private static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && m.toLowerCase(Locale.ROOT).contains("timed out")) {
        return true;
      }
    }
    return false;
  }

  private String serversText() {
    if (servers.isEmpty()) {
      return "the system DNS servers";
    }
    StringBuilder sb = new StringBuilder();
    for (InetSocketAddress a : servers) {
      sb.append(sb.length() == 0 ? "" : ", ").append(a.getHostString()).append(':').append(a.getPort());
    }
    return sb.toString();
  }

  private Problem problem(Problem.Kind kind, String subject, String detail) {
    return new Problem(label, kind, subject, detail);
  }

  private Problem logged(Problem.Kind kind, String subject, String detail) {
    Problem p = problem(kind, subject, detail);
    warn(p);
    return p;
  }

  /**
   * Logs a problem at WARN, but the same problem at most once per {@link #WARN_INTERVAL}: a refresh
   * every few seconds must not repeat it each time. Repeats are counted and the count is given when
   * the warning is logged again. (Every problem is still reported in each {@link Resolution}.)
   */
  private void warn(Problem p) {
    String text = p.toString();
    java.time.Instant now = clock.instant();
    synchronized (lastWarned) {
      Warned w = lastWarned.get(text);
      if (w != null && now.isBefore(w.at.plus(WARN_INTERVAL))) {
        w.repeats++;
        LOG.debug("{} (repeated)", text);
        return;
      }
      long repeats = w == null ? 0 : w.repeats;
      lastWarned.put(text, new Warned(now));
      warningsLogged++;
      if (repeats > 0) {
        LOG.warn("{} ({} more time(s) since it was last logged)", text, repeats);
      } else {
        LOG.warn("{}", text);
      }
    }
  }

  /** WARN lines logged so far (for tests). */
  long warningsLogged() {
    synchronized (lastWarned) {
      return warningsLogged;
    }
  }

  private static final class Warned {
    final java.time.Instant at;
    long repeats;

    Warned(java.time.Instant at) {
      this.at = at;
    }
  }
}
