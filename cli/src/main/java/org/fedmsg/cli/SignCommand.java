package org.fedmsg.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.fedmsg.WireFormat;
import org.fedmsg.crypto.Signer;
import org.fedmsg.wire.Fedmsg1;
import org.fedmsg.wire.Fedmsg2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fedmsg sign}: signs JSON messages with a service's key and prints them as they go on the
 * wire, one per line: the fedmsg/1 body, or for fedmsg/2 a JSON object {@code {"topic": ...,
 * "body": <body frame text>, "signature": <base64 of the signature frame>}} (which {@code fedmsg
 * verify} reads back). fedmsg/2 messages without {@code epoch}/{@code seq} get a fresh epoch and
 * sequence numbers from 1 in input order. Exit 0 on success, 2 on a usage, key or input error.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
    description = "Sign JSON messages (one per line, or one document) and print the signed wire form, one per line.")
public final class SignCommand implements Callable<Integer> {
  static final int OK = 0;
  static final int ERROR = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = "--ssldir", required = true, paramLabel = "DIR", description = "Directory holding NAME.key and NAME.crt.")
  Path ssldir;

  @Option(names = "--certname", required = true, paramLabel = "NAME", description = "Certificate name (file stem).")
  String certname;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "fedmsg1",
      description = "Wire format: fedmsg1 (default; Python-compatible) or fedmsg2.")
  String format;

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Input file; - or absent: standard input.")
  String file;

  InputStream stdin = System.in;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    WireFormat wireFormat;
    try {
      wireFormat = WireFormat.parse(format);
    } catch (IllegalArgumentException e) {
      err.println("sign: unknown format '" + format + "' (expected fedmsg1 or fedmsg2)");
      return ERROR;
    }
    Signer signer;
    try {
      signer = Signer.load(ssldir, certname);
    } catch (IOException | IllegalArgumentException e) {
      err.println("sign: cannot load " + ssldir.resolve(certname) + ".key/.crt: " + e.getMessage());
      return ERROR;
    }
    List<JsonInput.Item> items;
    try {
      items = JsonInput.items(JsonInput.read(file, stdin));
    } catch (IOException e) {
      err.println("sign: cannot read " + file + ": " + e);
      return ERROR;
    }
    // sign everything first, print only if all succeed: no half-signed output on an input error
    List<String> lines = new ArrayList<>();
    Fedmsg2.Stamper stamper = Fedmsg2.Stamper.start();
    for (JsonInput.Item item : items) {
      if (item.error() != null) {
        err.println("sign: line " + item.line() + ": " + item.error());
        return ERROR;
      }
      if (!(item.node() instanceof ObjectNode message)) {
        err.println("sign: message " + item.line() + " is not a JSON object");
        return ERROR;
      }
      try {
        lines.add(wireFormat == WireFormat.FEDMSG1 ? signFedmsg1(message, signer) : signFedmsg2(message, signer, stamper));
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("sign: message " + item.line() + ": " + e.getMessage());
        return ERROR;
      }
    }
    lines.forEach(out::println);
    out.flush();
    return OK;
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
    String topic = body.get("topic").textValue();
    byte[][] frames = Fedmsg2.encode(topic, body, signer);
    ObjectNode line = JSON.createObjectNode();
    line.put("topic", topic);
    line.put("body", new String(frames[1], StandardCharsets.UTF_8));
    line.put("signature", Base64.getEncoder().encodeToString(frames[2]));
    try {
      return JSON.writeValueAsString(line);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
