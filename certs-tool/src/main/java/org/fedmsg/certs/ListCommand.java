package org.fedmsg.certs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fedmsg-certs list}. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the certificates the CA issued: serial, CN, key type, not-after, revoked.")
final class ListCommand extends CertsSubcommand {
  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run() {
    List<CertificateEntry> entries = CertificateAuthority.open(dir, null).list();
    Instant now = Instant.now();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ArrayNode a = mapper.createArrayNode();
      for (CertificateEntry e : entries) {
        ObjectNode n = a.addObject();
        n.put("serial", e.serialHex());
        n.put("certname", e.certname());
        n.put("commonName", e.commonName());
        n.put("keyType", e.keyType());
        n.put("notBefore", e.notBefore().toString());
        n.put("notAfter", e.notAfter().toString());
        n.put("expired", e.expiredAt(now));
        n.put("revoked", e.revoked());
        if (e.revoked()) {
          n.put("revokedAt", e.revokedAt().toString());
          n.put("reason", e.revocationReason().cliName());
        }
      }
      out().println(a.toPrettyString());
      return 0;
    }
    out().printf("%-32s  %-40s  %-8s  %-20s  %s%n", "SERIAL", "CN", "KEY", "NOT AFTER", "REVOKED");
    for (CertificateEntry e : entries) {
      String revoked = e.revoked() ? "yes (" + e.revocationReason().cliName() + ")"
          : e.expiredAt(now) ? "no (expired)" : "no";
      out().printf("%-32s  %-40s  %-8s  %-20s  %s%n", e.serialHex(), e.commonName(), e.keyType(),
          e.notAfter(), revoked);
    }
    return 0;
  }
}
