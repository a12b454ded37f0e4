package org.fedmsg.bridge;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultSaslConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.fedmsg.ConfigException;
import org.fedmsg.crypto.Pem;

/**
 * Opens connections to the broker: plain AMQP (development on loopback), or TLS that checks the
 * broker's certificate against {@code amqp.ca_cert} and, with {@code amqp.cert}/{@code amqp.key},
 * logs in with the client certificate (SASL EXTERNAL), as fedora-messaging deployments do.
 */
final class AmqpConnector {
  private final ConnectionFactory factory;

  AmqpConnector(AmqpSettings settings) {
    factory = new ConnectionFactory();
    try {
      factory.setUri(settings.url());
    } catch (Exception e) {
      throw new ConfigException("amqp.url: " + e.getMessage(), e);
    }
    // The bridge reconnects itself (with back-off), so that it always knows what was confirmed.
    factory.setAutomaticRecoveryEnabled(false);
    factory.setConnectionTimeout(5_000);
    factory.setRequestedHeartbeat(10);
    if ("amqps".equals(settings.url().getScheme())) {
      Path ca = settings.caCert().orElseThrow(() -> new ConfigException("amqp.ca_cert is required for amqps://"));
      factory.useSslProtocol(sslContext(ca, settings.cert().orElse(null), settings.key().orElse(null)));
      factory.enableHostnameVerification();
      if (settings.cert().isPresent()) {
        factory.setSaslConfig(DefaultSaslConfig.EXTERNAL);
      }
    }
  }

  Connection open(String name) throws IOException, TimeoutException {
    return factory.newConnection(name);
  }

  static SSLContext sslContext(Path caFile, Path certFile, Path keyFile) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (X509Certificate ca : Pem.readCertificates(caFile)) {
        trust.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (certFile != null) {
        List<X509Certificate> chain = Pem.readCertificates(certFile);
        PrivateKey key = Pem.readPrivateKey(keyFile, null);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry("client", key, none, chain.toArray(new X509Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
      }
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new ConfigException("amqp TLS files (ca_cert, cert, key): " + e.getMessage(), e);
    }
  }
}
