import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * An MLLP peer on Java's own TLS stack (JSSE), the one Java interface engines (Mirth Connect among them) speak with:
 * a TLS implementation that shares nothing with the OpenSSL inside Node. Run from source (`java JsseMllpPeer.java`).
 *
 *   send  HOST PORT CA_PEM CERT_PEM|- KEY_PEM|- PROTOCOL|any FILE...
 *       connects (checking the server's name against HOST, as HTTPS does), sends each file as one frame, waits for
 *       its answer; prints `SESSION <protocol> <cipher suite>`, then `ACK <answer, base64>` per file.
 *   serve CA_PEM CERT_PEM KEY_PEM
 *       listens on 127.0.0.1 (a free port), requires a client certificate the CA signed; prints `LISTENING <port>`,
 *       then per frame `FRAME <peer subject> <protocol> <payload, base64>`, answering each with AA. Runs until
 *       its standard input closes.
 *
 * Failures print `ERROR <exception>: <message>` and exit with status 2.
 */
public class JsseMllpPeer {
  private static final char[] PASSWORD = "rxgate-test".toCharArray();
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.US_ASCII);

  public static void main(String[] args) {
    try {
      if (args[0].equals("send")) send(args);
      else if (args[0].equals("serve")) serve(args);
      else throw new IllegalArgumentException("send or serve");
    } catch (Exception e) {
      OUT.println("ERROR " + e.getClass().getName() + ": " + e.getMessage());
      System.exit(2);
    }
  }

  private static void send(String[] args) throws Exception {
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    SSLContext context = context(args[3], args[4].equals("-") ? null : args[4], args[5].equals("-") ? null : args[5]);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
      if (!args[6].equals("any")) socket.setEnabledProtocols(new String[] {args[6]});
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      OUT.println("SESSION " + socket.getSession().getProtocol() + " " + socket.getSession().getCipherSuite());
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 7; i < args.length; i++) {
        writeFrame(out, Files.readAllBytes(Path.of(args[i])));
        byte[] answer = readFrame(in);
        if (answer == null) throw new IllegalStateException("connection closed before the answer");
        OUT.println("ACK " + Base64.getEncoder().encodeToString(answer));
      }
    }
  }

  private static void serve(String[] args) throws Exception {
    SSLContext context = context(args[1], args[2], args[3]);
    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    OUT.println("LISTENING " + server.getLocalPort());
    Thread stopper = new Thread(() -> {
      try {
        while (System.in.read() != -1) {}
      } catch (Exception ignored) {
      }
      System.exit(0);
    });
    stopper.setDaemon(true);
    stopper.start();
    while (true) {
      SSLSocket socket = (SSLSocket) server.accept();
      Thread connection = new Thread(() -> answer(socket));
      connection.setDaemon(true);
      connection.start();
    }
  }

  private static void answer(SSLSocket socket) {
    try (socket) {
      socket.startHandshake();
      String peer = ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      for (byte[] frame = readFrame(in); frame != null; frame = readFrame(in)) {
        OUT.println("FRAME " + peer.replace(' ', '_') + " " + socket.getSession().getProtocol() + " " + Base64.getEncoder().encodeToString(frame));
        writeFrame(out, ack(new String(frame, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
      }
    } catch (Exception e) {
      OUT.println("CONNECTION_ERROR " + e.getClass().getName() + ": " + e.getMessage());
    }
  }

  /** MSA|AA naming the message's MSH-10, sender and receiver swapped (HL7 v2.5 §2.9). */
  private static String ack(String message) {
    String[] msh = message.split("\r", 2)[0].split("\\|", -1);
    String at = msh.length > 6 ? msh[6] : "";
    return "MSH|^~\\&|" + field(msh, 4) + "|" + field(msh, 5) + "|" + field(msh, 2) + "|" + field(msh, 3) + "|" + at
        + "||ACK|JSSE-" + field(msh, 9) + "|P|2.5\rMSA|AA|" + field(msh, 9) + "\r";
  }

  private static String field(String[] msh, int index) {
    return index < msh.length ? msh[index] : "";
  }

  private static void writeFrame(OutputStream out, byte[] payload) throws Exception {
    out.write(0x0b);
    out.write(payload);
    out.write(new byte[] {0x1c, 0x0d});
    out.flush();
  }

  /** The next frame's payload, or null when the stream ends between frames. */
  private static byte[] readFrame(InputStream in) throws Exception {
    int b;
    do {
      b = in.read();
      if (b == -1) return null;
    } while (b != 0x0b);
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    int previous = -1;
    while ((b = in.read()) != -1) {
      if (previous == 0x1c && b == 0x0d) {
        byte[] bytes = payload.toByteArray();
        return java.util.Arrays.copyOf(bytes, bytes.length - 1);
      }
      payload.write(b);
      previous = b;
    }
    throw new IllegalStateException("stream ended inside a frame");
  }

  private static SSLContext context(String caPem, String certPem, String keyPem) throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(caPem))) {
      trust.setCertificateEntry("ca", x509.generateCertificate(in));
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(trust);
    KeyManagerFactory keyManagers = null;
    if (certPem != null) {
      Collection<? extends Certificate> chain;
      try (InputStream in = Files.newInputStream(Path.of(certPem))) {
        chain = x509.generateCertificates(in);
      }
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("me", privateKey(keyPem), PASSWORD, chain.toArray(new Certificate[0]));
      keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keys, PASSWORD);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }

  /** A PKCS #8 PEM key ("BEGIN PRIVATE KEY", what OpenSSL 3 writes), EC or RSA. */
  private static PrivateKey privateKey(String pem) throws Exception {
    String text = Files.readString(Path.of(pem), StandardCharsets.US_ASCII);
    if (!text.contains("BEGIN PRIVATE KEY")) throw new IllegalArgumentException(pem + " is not a PKCS #8 key");
    byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (Exception notEc) {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    }
  }
}
