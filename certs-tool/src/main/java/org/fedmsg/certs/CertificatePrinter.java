package org.fedmsg.certs;

import java.io.PrintWriter;

/** The text {@code issue} and {@code renew} print. */
final class CertificatePrinter {
  private CertificatePrinter() {}

  static void issued(PrintWriter out, String verb, IssuedCertificate issued) {
    CertificateEntry e = issued.entry();
    out.printf("%s %s (serial %s, %s, valid %s to %s)%n", verb, e.certname(), e.serialHex(), e.keyType(),
        e.notBefore(), e.notAfter());
    out.printf("  certificate: %s%n  key:         %s (0600)%n", issued.certificateFile(), issued.keyFile());
    if (!issued.certnamesLine().isEmpty()) {
      out.println(issued.certnamesLine());
    }
  }
}
