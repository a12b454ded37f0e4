package org.fedmsg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.VerificationResult;
import org.fedmsg.json.CanonicalJson;
import org.fedmsg.store.ArchivedMessage;
import org.fedmsg.store.MessageStore;
import org.fedmsg.store.StoreStats;
import org.fedmsg.wire.Fedmsg1;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg store import FILE}: loads a datagrepper JSON dump (an array of messages, one per
 * line, or a {@code /raw} page) into the store, undoing datagrepper's changes first (the archive
 * fix-up of docs/wire-format.md), and prints for each message whether it verifies.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Load a datagrepper JSON dump (array, JSON lines, or a /raw page; also this store's own API output)",
        "into the store, applying the archive fix-up, and print one JSON line per message saying whether it verifies."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:every message was imported (whether or not it verifies)", "1:a message could not be imported",
        "2:usage or configuration error"})
public final class StoreImportCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ConfigOptions configOptions;
  @Mixin JsonInput.Source input;

  @Option(names = "--url", paramLabel = "JDBC-URL", description = "The database (overrides store.url).")
  String url;

  @Option(names = "--ca", paramLabel = "FILE", description = "CA bundle (PEM) to verify with; default: the configuration's.")
  Path ca;

  @Option(names = "--crl", paramLabel = "FILE", description = "CRL (PEM).")
  Path crl;

  @Option(names = "--at", paramLabel = "ISO-8601",
      description = "Judge certificates at this instant (default: each message's own signing time).")
  String at;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant instant;
    try {
      instant = at == null ? null : Instant.parse(at);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("--at must be an ISO-8601 instant such as 2023-06-01T00:00:00Z: " + at);
    }
    FedmsgConfig config = configOptions.load();
    int imported = 0;
    int valid = 0;
    int failed = 0;
    StoreStats stats;
    try (JsonInput in = input.open(); ArchiveVerifier verifier = ArchiveVerifier.create(config, ca, crl, instant);
        MessageStore store = MessageStore.open(StoreCommand.options(config, url),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      for (JsonInput.Item item; (item = in.next()) != null; ) {
        for (JsonInput.Item one : expand(item)) {
          ObjectNode line = JSON.createObjectNode();
          line.put("line", one.line());
          Optional<List<byte[]>> frames = one.error() == null ? frames(one.node()) : Optional.empty();
          if (frames.isEmpty()) {
            failed++;
            line.put("imported", false);
            line.put("error", one.error() != null ? one.error() : "not a fedmsg message (an object with topic and msg)");
            out.println(JSON.writeValueAsString(line));
            continue;
          }
          JsonNode body = CanonicalJson.parse(frames.get().get(1));
          VerificationResult r = verifier.verify(frames.get(), ArchiveVerifier.signingTime(body));
          String signer = r instanceof VerificationResult.Valid v ? v.signer().commonName() : null;
          ArchivedMessage m;
          try {
            m = ArchivedMessage.fromFrames(frames.get(), signer, Instant.now());
          } catch (IllegalArgumentException e) {
            failed++;
            line.put("imported", false);
            line.put("error", e.getMessage());
            out.println(JSON.writeValueAsString(line));
            continue;
          }
          store.archive(m);
          imported++;
          valid += r.isValid() ? 1 : 0;
          line.put("imported", true);
          line.put("topic", m.topic());
          line.put("msg_id", m.msgId().orElse(null));
          line.put("valid", r.isValid());
          if (r instanceof VerificationResult.Invalid inv) {
            line.put("reason", inv.reason().name());
            line.put("detail", inv.detail());
          } else {
            line.put("signer", signer);
          }
          out.println(JSON.writeValueAsString(line));
        }
      }
      out.flush();
      if (!store.flush(Duration.ofMinutes(5))) {
        err.println("store import: the database did not take every message within 5 minutes");
        return Failures.RUNTIME;
      }
      stats = store.stats();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + input.name() + ": " + Failures.firstLine(e.getMessage()), e);
    }
    err.println("store import: " + imported + " imported (" + valid + " verify, " + (imported - valid)
        + " do not), " + stats.duplicates() + " already archived, " + failed + " not imported");
    err.flush();
    return failed == 0 ? 0 : Failures.RUNTIME;
  }

  /** A /raw page stands for its messages. */
  static List<JsonInput.Item> expand(JsonInput.Item item) {
    JsonNode page = item.error() == null ? item.node().path("raw_messages") : null;
    if (page == null || !page.isArray()) {
      return List.of(item);
    }
    List<JsonInput.Item> out = new ArrayList<>();
    page.forEach(m -> out.add(new JsonInput.Item(item.line(), m, null)));
    return out;
  }

  /**
   * The frames of one dump entry: this store's {@code frames} verbatim, or for a datagrepper
   * message the topic and the canonical body after the archive fix-up.
   */
  static Optional<List<byte[]>> frames(JsonNode node) {
    Optional<List<byte[]>> archived = VerifyCommand.archivedFrames(node);
    if (archived.isPresent()) {
      return archived.get().size() == 2 || archived.get().size() == 3 ? archived : Optional.empty();
    }
    if (!(node instanceof ObjectNode o) || !o.path("topic").isTextual()) {
      return Optional.empty();
    }
    ObjectNode fixed = Fedmsg1.archiveFixup(o);
    return Optional.of(List.of(fixed.get("topic").textValue().getBytes(StandardCharsets.UTF_8),
        Fedmsg1.wireBody(fixed)));
  }
}
