package io.tagclip.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder with every allocation a record can ask for bounded by the record's own size. Avro allocates
 * from the lengths a payload declares (a string of 500 million bytes, an array of 500 million items), so a record of
 * a few bytes could exhaust the heap before the decoder notices that the bytes are missing. Here every string and
 * bytes length and every collection item is charged against the payload's size first (each string or bytes costs
 * its length, each item at least one byte in the project's schemas), and a payload that claims more is refused
 * before anything is allocated. Strings must be valid UTF-8: a string's bytes are the producer's, and decoding them
 * with replacement characters would silently change an id.
 */
final class BoundedDecoder extends Decoder {

    private final BinaryDecoder in;
    private final long size;
    private long claimed;

    /** A decoder of {@code length} bytes of {@code payload} from {@code offset}. */
    BoundedDecoder(byte[] payload, int offset, int length) {
        this.in = DecoderFactory.get().binaryDecoder(payload, offset, length, null);
        this.size = length;
    }

    /** Charges {@code count} bytes or items against the payload's size; refuses a negative or too large claim. */
    private int claim(long count, String what) {
        if (count < 0) {
            throw new AvroRuntimeException("malformed record: negative " + what + " " + count);
        }
        claimed += count;
        if (claimed > size) {
            throw new AvroRuntimeException("malformed record: a " + what + " of " + count + " in a record of " + size
                    + " bytes (its declared sizes add up to more than the record holds)");
        }
        return (int) count;
    }

    private byte[] readLengthPrefixed(String what) throws IOException {
        byte[] bytes = new byte[claim(in.readLong(), what + " length")];
        in.readFixed(bytes, 0, bytes.length);
        return bytes;
    }

    @Override
    public String readString() throws IOException {
        byte[] bytes = readLengthPrefixed("string");
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer input = ByteBuffer.wrap(bytes);
        CharBuffer chars = CharBuffer.allocate(bytes.length);
        CoderResult result = utf8.decode(input, chars, true);
        if (result.isError()) {
            throw new AvroRuntimeException("a string of " + bytes.length + " bytes is not valid UTF-8 at byte "
                    + input.position() + " (strings are the producer's bytes and are never rewritten)");
        }
        utf8.flush(chars);
        return chars.flip().toString();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        return new Utf8(readString());
    }

    @Override
    public void skipString() throws IOException {
        in.skipFixed(claim(in.readLong(), "string length"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        return ByteBuffer.wrap(readLengthPrefixed("bytes"));
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipFixed(claim(in.readLong(), "bytes length"));
    }

    @Override
    public long readArrayStart() throws IOException {
        return claim(in.readArrayStart(), "array block");
    }

    @Override
    public long arrayNext() throws IOException {
        return claim(in.arrayNext(), "array block");
    }

    @Override
    public long skipArray() throws IOException {
        return in.skipArray();
    }

    @Override
    public long readMapStart() throws IOException {
        return claim(in.readMapStart(), "map block");
    }

    @Override
    public long mapNext() throws IOException {
        return claim(in.mapNext(), "map block");
    }

    @Override
    public long skipMap() throws IOException {
        return in.skipMap();
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }
}
