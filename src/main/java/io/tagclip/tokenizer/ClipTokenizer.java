package io.tagclip.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tagclip.weights.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI's CLIP byte-pair-encoding tokenizer ({@code clip/simple_tokenizer.py} + {@code clip.tokenize}), reading the
 * Hugging Face files: {@code vocab.json} + {@code merges.txt}, or {@code tokenizer.json}. Thread-safe.
 *
 * <p>Text clean-up as the reference: NFC (what {@code ftfy.fix_text} normalises to; its mojibake repairs are not
 * reproduced), HTML unescaping twice, whitespace runs collapsed to one space and stripped, lower case. Then the
 * reference's splitting regex, the GPT-2 byte-to-unicode mapping, and BPE with the {@code </w>} end-of-word suffix.
 */
public final class ClipTokenizer {

    /** {@code <|startoftext|>}, put in front of every sequence. */
    public static final int START_TOKEN = 49406;
    /** {@code <|endoftext|>}, put after every sequence; the text tower pools here. */
    public static final int END_TOKEN = 49407;
    /** Sequence length of {@code clip.tokenize} (the model's text context). */
    public static final int DEFAULT_CONTEXT_LENGTH = 77;

    private static final String START_TEXT = "<|startoftext|>";
    private static final String END_TEXT = "<|endoftext|>";
    private static final String END_OF_WORD = "</w>";
    /** Classpath resource of OpenAI's BPE merges (gzipped text, {@code #version} line first). */
    static final String STANDARD_BPE_RESOURCE = "/io/tagclip/tokenizer/bpe_simple_vocab_16e6.txt.gz";
    /** Merges OpenAI's {@code SimpleTokenizer} uses: 49152 − 256 − 2 (the rest of the file is unused). */
    private static final int STANDARD_MERGES = 49152 - 256 - 2;
    /** Words whose BPE is cached; beyond this, new words are encoded without caching. */
    private static final int CACHE_LIMIT = 200_000;

    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS;
    /** The reference's splitting pattern ({@code SimpleTokenizer.pat}). */
    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            FLAGS);

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", FLAGS);

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> mergeRanks;
    private final char[] byteToChar;
    private final int contextLength;
    private final int startId;
    private final int endId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> vocab, List<String[]> merges, int contextLength) {
        this.vocab = Map.copyOf(vocab);
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            ranks.putIfAbsent(merges.get(i)[0] + ' ' + merges.get(i)[1], i);
        }
        this.mergeRanks = Map.copyOf(ranks);
        this.byteToChar = bytesToUnicode();
        this.contextLength = contextLength;
        Integer start = vocab.get(START_TEXT);
        Integer end = vocab.get(END_TEXT);
        if (start == null || end == null) {
            throw new ModelLoadException("vocabulary lacks " + START_TEXT + " or " + END_TEXT);
        }
        this.startId = start;
        this.endId = end;
        cache.put(START_TEXT, new int[] {startId});
        cache.put(END_TEXT, new int[] {endId});
    }

    /**
     * Loads the tokenizer of a Hugging Face folder: {@code vocab.json} + {@code merges.txt} when both are there,
     * else {@code tokenizer.json}.
     */
    public static ClipTokenizer fromFolder(Path folder, int contextLength) {
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        Path tokenizerFile = folder.resolve("tokenizer.json");
        if (Files.isRegularFile(vocabFile) && Files.isRegularFile(mergesFile)) {
            return fromVocabAndMerges(vocabFile, mergesFile, contextLength);
        }
        if (Files.isRegularFile(tokenizerFile)) {
            return fromTokenizerJson(tokenizerFile, contextLength);
        }
        throw new ModelLoadException(
                "tokenizer files not found in " + folder + ": need vocab.json and merges.txt, or tokenizer.json");
    }

    /**
     * OpenAI's own CLIP vocabulary, shipped in the jar ({@value #STANDARD_BPE_RESOURCE}, a byte-for-byte copy of
     * {@code bpe_simple_vocab_16e6.txt}), with the vocabulary built as {@code SimpleTokenizer} builds it: the 256
     * byte symbols, the same with {@code </w>}, one token per used merge, then the start and end tokens. This is the
     * tokenizer of OpenAI and open_clip checkpoint files, which carry no tokenizer of their own.
     */
    public static ClipTokenizer standard(int contextLength) {
        List<String[]> merges = new ArrayList<>();
        InputStream raw = ClipTokenizer.class.getResourceAsStream(STANDARD_BPE_RESOURCE);
        if (raw == null) {
            throw new ModelLoadException("the bundled CLIP vocabulary " + STANDARD_BPE_RESOURCE + " is missing");
        }
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8))) {
            reader.readLine(); // "#version: 0.2"
            String line;
            while (merges.size() < STANDARD_MERGES && (line = reader.readLine()) != null) {
                merges.add(line.split(" "));
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read the bundled CLIP vocabulary: " + e.getMessage(), e);
        }
        char[] byteToChar = bytesToUnicode();
        List<String> symbols = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) { // printable bytes first, then the remapped ones, as bytes_to_unicode
            for (int b = 0; b < 256; b++) {
                if ((byteToChar[b] == (char) b) == (pass == 0)) {
                    symbols.add(String.valueOf(byteToChar[b]));
                }
            }
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (String symbol : symbols) {
            vocab.put(symbol, vocab.size());
        }
        for (String symbol : symbols) {
            vocab.put(symbol + END_OF_WORD, vocab.size());
        }
        for (String[] merge : merges) {
            vocab.put(merge[0] + merge[1], vocab.size());
        }
        vocab.put(START_TEXT, vocab.size());
        vocab.put(END_TEXT, vocab.size());
        return new ClipTokenizer(vocab, merges, contextLength);
    }

    /** Loads {@code vocab.json} (token to id) and {@code merges.txt} ({@code #version} header, one pair per line). */
    public static ClipTokenizer fromVocabAndMerges(Path vocabFile, Path mergesFile, int contextLength) {
        Map<String, Integer> vocab = readVocab(readJson(vocabFile), vocabFile);
        List<String[]> merges = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if ((number == 1 && line.startsWith("#version")) || line.isBlank()) {
                    continue;
                }
                String[] pair = line.split(" ");
                if (pair.length != 2) {
                    throw new ModelLoadException("malformed merge on line " + number + " of " + mergesFile);
                }
                merges.add(pair);
            }
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file not found: " + mergesFile, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + mergesFile + ": " + e.getMessage(), e);
        }
        return new ClipTokenizer(vocab, usedMerges(merges, vocab), contextLength);
    }

    /** Loads the {@code model.vocab} and {@code model.merges} of a Hugging Face {@code tokenizer.json}. */
    public static ClipTokenizer fromTokenizerJson(Path tokenizerFile, int contextLength) {
        JsonNode model = readJson(tokenizerFile).path("model");
        Map<String, Integer> vocab = readVocab(model.path("vocab"), tokenizerFile);
        List<String[]> merges = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            String[] pair = merge.isArray()
                    ? new String[] {merge.path(0).asText(), merge.path(1).asText()}
                    : merge.asText().split(" ");
            if (pair.length != 2) {
                throw new ModelLoadException("malformed merge '" + merge + "' in " + tokenizerFile);
            }
            merges.add(pair);
        }
        if (merges.isEmpty()) {
            throw new ModelLoadException("no BPE merges in " + tokenizerFile);
        }
        return new ClipTokenizer(vocab, usedMerges(merges, vocab), contextLength);
    }

    /**
     * The merges the reference uses: as many as the vocabulary has merge tokens (vocab size − 2·256 byte symbols −
     * 2 special tokens; 48,894 for CLIP's 49,408).
     */
    private static List<String[]> usedMerges(List<String[]> merges, Map<String, Integer> vocab) {
        int used = Math.max(0, vocab.size() - 2 * 256 - 2);
        return merges.size() > used ? merges.subList(0, used) : merges;
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model file not found: " + file, e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Integer> readVocab(JsonNode node, Path file) {
        if (node == null || !node.isObject() || node.size() == 0) {
            throw new ModelLoadException("no vocabulary object in " + file);
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            vocab.put(entry.getKey(), entry.getValue().asInt());
        }
        return vocab;
    }

    /** GPT-2's reversible byte → printable character table ({@code bytes_to_unicode}). */
    private static char[] bytesToUnicode() {
        char[] table = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xa1; b <= 0xac; b++) {
            printable[b] = true;
        }
        for (int b = 0xae; b <= 0xff; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            table[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
        return table;
    }

    /** Context length of {@link #tokenize} rows. */
    public int contextLength() {
        return contextLength;
    }

    /** BPE ids of {@code text}, without start and end tokens ({@code SimpleTokenizer.encode}). */
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        String cleaned = clean(text);
        List<int[]> pieces = new ArrayList<>();
        int count = 0;
        Matcher m = WORDS.matcher(cleaned);
        while (m.find()) {
            int[] ids = wordIds(m.group());
            pieces.add(ids);
            count += ids.length;
        }
        int[] out = new int[count];
        int at = 0;
        for (int[] ids : pieces) {
            System.arraycopy(ids, 0, out, at, ids.length);
            at += ids.length;
        }
        return out;
    }

    /**
     * {@code clip.tokenize}: one row of {@link #contextLength()} ids per text, {@code START ... END} then zeros.
     *
     * @param truncate when a text is too long: true cuts it and puts END last; false throws
     * @throws IllegalArgumentException naming the text when it is too long and {@code truncate} is false
     */
    public int[][] tokenize(List<String> texts, boolean truncate) {
        int[][] rows = new int[texts.size()][contextLength];
        for (int t = 0; t < texts.size(); t++) {
            String text = texts.get(t);
            int[] bpe = encode(text);
            int length = bpe.length + 2;
            if (length > contextLength) {
                if (!truncate) {
                    throw new IllegalArgumentException(
                            "Input " + text + " is too long for context length " + contextLength);
                }
                length = contextLength;
            }
            int[] row = rows[t];
            row[0] = startId;
            System.arraycopy(bpe, 0, row, 1, length - 2);
            row[length - 1] = endId;
        }
        return rows;
    }

    /** The reference's {@code basic_clean} + {@code whitespace_clean} + lower case. */
    static String clean(String text) {
        String fixed = Normalizer.normalize(text, Normalizer.Form.NFC);
        String unescaped = HtmlEntities.unescape(HtmlEntities.unescape(fixed));
        String collapsed = WHITESPACE.matcher(unescaped).replaceAll(" ");
        int begin = 0;
        int end = collapsed.length();
        while (begin < end && collapsed.charAt(begin) == ' ') {
            begin++;
        }
        while (end > begin && collapsed.charAt(end - 1) == ' ') {
            end--;
        }
        return collapsed.substring(begin, end).toLowerCase(Locale.ROOT);
    }

    private int[] wordIds(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        StringBuilder mapped = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            mapped.append(byteToChar[b & 0xff]);
        }
        List<String> symbols = bpe(mapped.toString());
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                throw new IllegalStateException("BPE symbol '" + symbols.get(i) + "' is not in the vocabulary");
            }
            ids[i] = id;
        }
        if (cache.size() < CACHE_LIMIT) {
            cache.put(word, ids);
        }
        return ids;
    }

    /** Byte-pair merges within one word, lowest rank first, all occurrences left to right ({@code bpe}). */
    private List<String> bpe(String token) {
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + END_OF_WORD);
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer rank = mergeRanks.get(word.get(i) + ' ' + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i < word.size() - 1
                        && word.get(i).equals(first)
                        && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        return word;
    }
}
