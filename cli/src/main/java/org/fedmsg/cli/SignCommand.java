package org.fedmsg.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fedmsg sign}: signs JSON messages with a service's key and prints them as they go on the
 * wire, one per line, as it reads them (memory stays flat whatever the input size): the fedmsg/1
 * body, or for fedmsg/2 the {@link SignedLinesCommand.Fedmsg2Line} form (which {@code fedmsg
 * verify} reads back). fedmsg/2 messages without {@code epoch}/{@code seq} get a fresh epoch and
 * sequence numbers from 1 in input order.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
    description = {"Sign JSON messages (one per line, one document, or an array) and print the signed wire form, "
        + "one per line, as the input is read.",
        "On an input or signing error it stops with exit 2, naming the message; the lines printed before "
        + "are the messages before it."},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:every message signed", "2:usage, key or input error"})
public final class SignCommand extends SignedLinesCommand {
  @Option(names = "--ssldir", required = true, paramLabel = "DIR", description = "Directory holding NAME.key and NAME.crt.")
  Path ssldir;

  @Option(names = "--certname", required = true, paramLabel = "NAME", description = "Certificate name (file stem).")
  String certname;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "fedmsg1",
      description = "Wire format: fedmsg1 (default; Python-compatible) or fedmsg2.")
  String format;

  @Override
  public Integer call() throws IOException {
    WireFormat wireFormat;
    try {
      wireFormat = WireFormat.parse(format);
    } catch (IllegalArgumentException e) {
      return fail("unknown format '" + format + "' (expected fedmsg1 or fedmsg2)");
    }
    Signer signer;
    try {
      signer = Signer.load(ssldir, certname);
    } catch (IOException | IllegalArgumentException e) {
      return fail("cannot load " + ssldir.resolve(certname) + ".key/.crt: " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    Fedmsg2.Stamper stamper = Fedmsg2.Stamper.start();
    try (JsonInput in = input.open()) {
      for (JsonInput.Item item; (item = in.next()) != null; ) {
        if (item.error() != null) {
          return fail(input.name() + " line " + item.line() + ": " + item.error());
        }
        if (!(item.node() instanceof ObjectNode message)) {
          return fail("message " + item.line() + " is not a JSON object");
        }
        try {
          out.println(wireFormat == WireFormat.FEDMSG1 ? signFedmsg1(message, signer) : signFedmsg2(message, signer, stamper));
        } catch (IllegalArgumentException | IllegalStateException e) {
          return fail("message " + item.line() + ": " + e.getMessage());
        }
      }
    } finally {
      out.flush();
    }
    return 0;
  }

  private static String signFedmsg1(ObjectNode message, Signer signer) {
    return new String(Fedmsg1.signToWire(message, signer), StandardCharsets.US_ASCII);
  }

  private static String signFedmsg2(ObjectNode message, Signer signer, Fedmsg2.Stamper stamper) {
    if (message.get("topic") == null || !message.get("topic").isTextual()) {
      throw new IllegalArgumentException("fedmsg/2 messages need a string topic");
    }
    ObjectNode body = message.deepCopy();
    if (!body.has("epoch") && !body.has("seq")) {
      stamper.stamp(body);
    }
    return Fedmsg2Line.of(Fedmsg2.encode(body.get("topic").textValue(), body, signer)).toLine();
  }
}
