package org.fedmsg;

import org.fedmsg.testing.OutputLines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fedmsg.config.FedmsgConfig;
import org.fedmsg.crypto.VerificationResult.Reason;
import org.fedmsg.testing.ExternalTools;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.MessageVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference replay protocol between this implementation and a Python one written from the
 * reference's exact behaviour (no fedmsg package is installed; {@code reference_publisher.py} and
 * {@code reference_client.py} follow {@code docs/fedmsg-reference.md} §e), over pyzmq/libzmq, with
 * fedmsg/1 messages signed by the reference fixtures' test PKI.
 */
@Timeout(90)
class ReferenceReplayInteropTest {
  private static final String APP01 = ReferencePki.APP01;
  private static final String TOPIC = "org.fedoraproject.dev.refreplay.thing.changed";

  @TempDir Path dir;
  private ReferencePki pki;
  private String python;

  @BeforeEach
  void setUp() throws IOException {
    python = ExternalTools.python3WithZmqAndCryptography().toString();
    for (String script : List.of("reference_publisher.py", "reference_client.py")) {
      try (InputStream in = ReferenceReplayInteropTest.class.getResourceAsStream("reference/" + script)) {
        Files.copy(in, dir.resolve(script));
      }
    }
    pki = ReferencePki.in(dir);
  }

  @AfterEach
  void tearDown() {
    if (pki != null) {  // null when setUp skipped the test (no python3 with zmq)
      pki.close();
    }
  }

  /* --------------- our subscriber, a reference publisher and its replay server --------------- */

  @Test
  void javaSubscriber_gapsFilledFromReferenceServer_inOrder_once_refusedAndAbsentReported() throws Exception {
    // live: 1 2 5 6 9 (3, 4, 7 and 8 lost on the wire); the store's 7 was altered after signing, 8 is gone
    Process py = new ProcessBuilder(python, dir.resolve("reference_publisher.py").toString(), pki.ssldir().toString(),
        APP01, TOPIC, "9", "1,2,5,6,9", "7", "8").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BlockingQueue<String> out = OutputLines.of(py.getInputStream());
      String pub = expect(out, "PUB ");
      String replay = expect(out, "REPLAY ");
      ObjectNode tree = Json.object()
          .put("ca_cert_location", pki.ssldir().resolve("ca.crt").toString())
          .put("crl_location", pki.ssldir().resolve("crl.pem").toString());
      tree.putObject("endpoints").putArray("refsvc").add(pub);
      tree.putObject("replay_endpoints").put("refsvc", replay);
      tree.putObject("certnames").put("refsvc", APP01);
      List<org.fedmsg.reliable.LostRange> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      BusListener listener = new BusListener() {
        @Override
        public void onLoss(String signer, String fingerprint, String epoch, org.fedmsg.reliable.SeqRange range,
            String reason) {
          heard.add(new org.fedmsg.reliable.LostRange(signer, fingerprint, epoch, range, reason));
        }
      };
      try (Bus sub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).listener(listener).build())) {
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        sub.subscribe("org.fedoraproject.dev.refreplay", got::add);
        expect(out, "SENT");
        List<Long> seqIds = new ArrayList<>();
        while (!seqIds.contains(9L)) {
          Message m = got.poll(30, TimeUnit.SECONDS);
          assertThat(m).as("messages so far: " + seqIds).isNotNull();
          assertThat(m.signer()).hasValue(APP01);
          seqIds.add(Fedmsg1.seqId(m.body()).orElseThrow());
        }
        assertThat(seqIds).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 9L);
        // it asked for the missing numbers only, with seq_ids (the reference server's seq_id_range always fails)
        List<String> queries = new ArrayList<>();
        String line;
        while ((line = out.poll(1, TimeUnit.SECONDS)) != null) {
          queries.add(line);
        }
        assertThat(queries).containsExactly("QUERY {\"seq_ids\":[3,4]}", "QUERY {\"seq_ids\":[7,8]}");
        assertThat(sub.stats().rejected(Reason.BAD_SIGNATURE)).isEqualTo(1);   // the altered 7
        ReferenceGapFill gaps = ((FedmsgBus) sub).referenceGaps();
        assertThat(gaps.filled()).isEqualTo(2);
        assertThat(gaps.lost()).isEqualTo(2);
        assertThat(sub.stats().gapsFilled()).isEqualTo(2);
        assertThat(sub.stats().lost()).isEqualTo(2);
        // the listener and Bus.lostRanges() name the exact seq_ids: the altered 7 refused, 8 absent
        String fingerprint = pki.signer(APP01).identity().fingerprint();
        assertThat(heard).containsExactly(
            new org.fedmsg.reliable.LostRange(APP01, fingerprint, "", new org.fedmsg.reliable.SeqRange(7, 7), "refused"),
            new org.fedmsg.reliable.LostRange(APP01, fingerprint, "", new org.fedmsg.reliable.SeqRange(8, 8), "missing"));
        assertThat(sub.lostRanges()).isEqualTo(heard);
        assertThat(got).isEmpty();
      }
    } finally {
      py.getOutputStream().close();
      py.waitFor(5, TimeUnit.SECONDS);
      py.destroyForcibly();
    }
  }

  /* --------------- a reference client, our publisher's store --------------- */

  @Test
  void referenceClient_javaStore_signedSeqIdVerifiesInPython_errorsAsReference() throws Exception {
    ObjectNode tree = Json.object().put("name", "javasvc").put("validate_signatures", false)
        .put("state_dir", dir.resolve("state").toString());
    tree.putObject("endpoints").putArray("javasvc").add("tcp://127.0.0.1:*");
    // the process's own replay endpoint (ROUTER), which hands reference queries to its store
    tree.putObject("replay_endpoints").put("javasvc", "tcp://127.0.0.1:*");
    List<Message> published = new ArrayList<>();
    try (Bus pub = Bus.create(BusOptions.builder().apply(FedmsgConfig.of(tree)).signer(pki.signer(APP01)).build())) {
      for (int n = 1; n <= 6; n++) {
        published.add(pub.publish("refreplay", "thing.changed", Map.of("n", n)));
      }
      String replay = pub.replayEndpoint().orElseThrow();
      String sixth = published.get(5).msgId().orElseThrow();
      Process py = new ProcessBuilder(python, dir.resolve("reference_client.py").toString(), "javasvc", replay,
          "{\"seq_id_range\": [2, 4]}", "{\"msg_ids\": [\"" + sixth + "\"]}", "{\"seq_idz\": 1}", "{\"seq_id\": 99}")
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      List<String> lines = new ArrayList<>();
      try {
        BlockingQueue<String> out = OutputLines.of(py.getInputStream());
        String line;
        while ((line = out.poll(30, TimeUnit.SECONDS)) != null) {
          lines.add(line);
          if (line.startsWith("CHECK ")) {
            break;
          }
        }
        assertThat(py.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(py.exitValue()).isZero();
      } finally {
        py.destroyForcibly();
      }
      assertThat(lines).hasSize(7);
      // what Python got is what we sent, byte for byte, and its signature (seq_id included) verifies in Python
      int[] expected = {2, 3, 4, 6};
      for (int i = 0; i < 4; i++) {
        Message sent = published.get(expected[i] - 1);
        assertThat(lines.get(i)).isEqualTo("MSG " + expected[i] + " sig ok " + new String(sent.rawBody(),
            StandardCharsets.US_ASCII));
      }
      assertThat(lines.get(4)).isEqualTo("ERROR error: 'Unsupported field: \"key\"'");
      assertThat(lines.get(5)).isEqualTo("ERROR error: 'There was no match for the given query'");
      // the reference's check_for_replay asks (prev, cur) inclusive: it gets the last seen message again
      assertThat(lines.get(6)).isEqualTo("CHECK 1,2,3,4,5");

      // and the live messages, seq_id signed in, verify here too
      try (MessageVerifier verifier = MessageVerifier.builder().trust(pki.trust()).asOf(Instant.now()).build()) {
        for (Message m : published) {
          assertThat(Fedmsg1.seqId(m.body())).hasValue(published.indexOf(m) + 1);
          assertThat(verifier.check(Arrays.asList(m.topic().getBytes(StandardCharsets.UTF_8), m.rawBody()))
              .result().isValid()).isTrue();
          ObjectNode changed = m.body();
          changed.put("seq_id", 1000);
          assertThat(verifier.verify(m.topic(), changed).isValid()).as("a signed seq_id cannot be changed")
              .isFalse();
        }
      }
    }
  }

  private static String expect(BlockingQueue<String> out, String prefix) throws InterruptedException {
    String line = out.poll(30, TimeUnit.SECONDS);
    assertThat(line).isNotNull().startsWith(prefix);
    return line.substring(prefix.length()).strip();
  }

}
