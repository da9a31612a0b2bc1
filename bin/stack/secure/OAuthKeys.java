import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * The OAUTHBEARER material of bin/local-stack's secured listener, run once per state dir as a single-file program
 * ({@code java OAuthKeys.java DIR}); the JDK alone, no libraries. It writes into DIR:
 *
 * <ul>
 *   <li>{@code oauth-jwks.json}: a JSON Web Key Set with one RSA public key, the broker's {@code file:} JWKS;
 *   <li>{@code oauth-signing-key.pem}: its private key (PKCS#8), for a token endpoint that signs RS256 tokens the
 *       broker accepts (the integration tests serve one);
 *   <li>{@code oauth-token.jwt}: one such token (subject {@code tagclip}, valid for a year), for clients that read
 *       their token from a file ({@code sasl.oauthbearer.token.endpoint.url=file:...}).
 * </ul>
 */
public final class OAuthKeys {

    /** The key id in the JWKS and in every token's header. */
    static final String KEY_ID = "local-stack-1";

    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    public static void main(String[] args) throws IOException, GeneralSecurityException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        RSAPublicKey publicKey = (RSAPublicKey) pair.getPublic();

        String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + KEY_ID
                + "\",\"n\":\"" + URL.encodeToString(unsigned(publicKey.getModulus()))
                + "\",\"e\":\"" + URL.encodeToString(unsigned(publicKey.getPublicExponent())) + "\"}]}\n";
        Files.writeString(dir.resolve("oauth-jwks.json"), jwks);

        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(dir.resolve("oauth-signing-key.pem"), pem);

        Instant now = Instant.now();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + KEY_ID + "\"}";
        String claims = "{\"sub\":\"tagclip\",\"iss\":\"local-stack\",\"scope\":\"kafka\",\"iat\":"
                + now.getEpochSecond() + ",\"exp\":" + now.plus(Duration.ofDays(365)).getEpochSecond() + "}";
        String signingInput = URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(pair.getPrivate());
        rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        Files.writeString(dir.resolve("oauth-token.jwt"), signingInput + "." + URL.encodeToString(rs256.sign()));
    }

    /** Big-endian bytes without the sign byte BigInteger adds when the top bit is set, as JWK wants them. */
    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }
}
