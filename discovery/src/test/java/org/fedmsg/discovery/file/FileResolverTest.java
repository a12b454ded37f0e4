package org.fedmsg.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.fedmsg.discovery.CurveKeys;
import org.fedmsg.discovery.Endpoint;
import org.fedmsg.discovery.Problem;
import org.fedmsg.discovery.Resolution;
import org.fedmsg.discovery.ResolverContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileResolverTest {

  private static final String KEY = CurveKeys.encode(new byte[32]);

  private static Resolution resolve(String config, String entry) throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonNode cfg = m.readTree(config.replace('\'', '"'));
    ResolverContext ctx = ResolverContext.builder().config(cfg).build();
    return new FileResolverProvider().create("file", m.readTree(entry.replace('\'', '"')), ctx).resolve();
  }

  @Test
  void resolve_referenceMap_stringsAndLists() throws Exception {
    Resolution r = resolve("{'endpoints': {'a.host': 'tcp://h1:3000', 'b.host': ['tcp://h2:3001', 'tcp://h2:3002'],"
        + " 'relay_inbound': 'tcp://relay:2003'}}", "{'type':'file'}");
    assertThat(r.problems()).isEmpty();
    assertThat(r.endpoints()).containsExactly(Endpoint.of("a.host", "tcp://h1:3000", "file"),
        Endpoint.of("b.host", "tcp://h2:3001", "file"), Endpoint.of("b.host", "tcp://h2:3002", "file"));
  }

  @Test
  void resolve_excludeEmpty_keepsRelayInbound() throws Exception {
    Resolution r = resolve("{'endpoints': {'relay_inbound': 'tcp://relay:2003'}}", "{'type':'file','exclude':[]}");
    assertThat(r.endpoints()).extracting(Endpoint::service).containsExactly("relay_inbound");
  }

  @Test
  void resolve_objectEntriesWithCurveKey_keyKept() throws Exception {
    Resolution r = resolve("{'endpoints': {'a': {'url': 'tcp://h:1', 'curve_server_key': '" + KEY + "'},"
        + " 'b': [{'url': 'tcp://h:2'}]}}", "{'type':'file'}");
    assertThat(r.problems()).isEmpty();
    assertThat(r.endpoints()).containsExactly(new Endpoint("a", "tcp://h:1", Optional.of(KEY), "file"),
        Endpoint.of("b", "tcp://h:2", "file"));
  }

  @Test
  void resolve_malformedEntries_skippedWithNamedProblem() throws Exception {
    Resolution r = resolve("{'endpoints': {'ok': 'tcp://h:1', 'num': 42, 'bad': ['tcp://h:2', 'http//x', 'tcp://h:99999'],"
        + " 'nokey': {'url': 'tcp://h:3', 'curve_server_key': 'short'}, 'nested': [[1]], '': 'tcp://h:4'}}",
        "{'type':'file'}");
    assertThat(r.endpoints()).extracting(Endpoint::url).containsExactly("tcp://h:1", "tcp://h:2");
    assertThat(r.problems()).allSatisfy(p -> assertThat(p.kind()).isEqualTo(Problem.Kind.MALFORMED_ENTRY));
    assertThat(r.problems()).extracting(Problem::subject)
        .containsExactlyInAnyOrder("num", "bad", "bad", "nokey", "nested", "(blank service name)");
    assertThat(r.problems()).anySatisfy(p -> assertThat(p.detail()).contains("http//x"));
    assertThat(r.failed()).isFalse();
  }

  @Test
  void resolve_endpointsNotAMap_problemNoException() throws Exception {
    Resolution r = resolve("{'endpoints': ['tcp://h:1']}", "{'type':'file'}");
    assertThat(r.endpoints()).isEmpty();
    assertThat(r.problems()).extracting(Problem::kind).containsExactly(Problem.Kind.MALFORMED_ENTRY);
  }

  @Test
  void resolve_pathOption_rereadsFileEachTime(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("endpoints.yaml");
    Files.writeString(f, "endpoints:\n  a: tcp://h:1\n");
    ObjectMapper m = new ObjectMapper();
    var resolver = new FileResolverProvider().create("file",
        m.createObjectNode().put("type", "file").put("path", f.toString()), ResolverContext.builder().build());
    assertThat(resolver.resolve().endpoints()).extracting(Endpoint::url).containsExactly("tcp://h:1");
    Files.writeString(f, "endpoints:\n  a: [tcp://h:2]\n");
    assertThat(resolver.resolve().endpoints()).extracting(Endpoint::url).containsExactly("tcp://h:2");
    Files.delete(f);
    Resolution gone = resolver.resolve();
    assertThat(gone.failed()).isTrue();
    assertThat(gone.problems()).extracting(Problem::kind).containsExactly(Problem.Kind.UNREACHABLE);
  }
}
