package io.tagclip.vocab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short content versions: the first 12 hex digits of the SHA-256 of a text's UTF-8 bytes. */
public final class ContentHash {

    /** Hex digits kept: 48 bits, plenty to tell a handful of vocabularies or settings apart. */
    public static final int HEX_DIGITS = 12;

    private ContentHash() {}

    public static String of(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HEX_DIGITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
