package io.tagclip.tokenizer;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character-reference decoding as Python's {@code html.unescape} does it (numeric references with its
 * replacement rules, named references with and without the trailing semicolon), for the entities that occur in
 * practice: the XML five, the Latin-1 set and common typography. Unknown names are left as they are.
 */
final class HtmlEntities {

    private static final Pattern REFERENCE =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** Names Python also accepts without a semicolon (the HTML 4 / Latin-1 legacy set). */
    private static final Map<String, String> LEGACY = Map.ofEntries(
            Map.entry("amp", "&"),
            Map.entry("lt", "<"),
            Map.entry("gt", ">"),
            Map.entry("quot", "\""),
            Map.entry("nbsp", "\u00a0"),
            Map.entry("iexcl", "¡"),
            Map.entry("cent", "¢"),
            Map.entry("pound", "£"),
            Map.entry("curren", "¤"),
            Map.entry("yen", "¥"),
            Map.entry("brvbar", "¦"),
            Map.entry("sect", "§"),
            Map.entry("uml", "¨"),
            Map.entry("copy", "©"),
            Map.entry("ordf", "ª"),
            Map.entry("laquo", "«"),
            Map.entry("not", "¬"),
            Map.entry("shy", "\u00ad"),
            Map.entry("reg", "®"),
            Map.entry("macr", "¯"),
            Map.entry("deg", "°"),
            Map.entry("plusmn", "±"),
            Map.entry("sup2", "²"),
            Map.entry("sup3", "³"),
            Map.entry("acute", "´"),
            Map.entry("micro", "µ"),
            Map.entry("para", "¶"),
            Map.entry("middot", "·"),
            Map.entry("cedil", "¸"),
            Map.entry("sup1", "¹"),
            Map.entry("ordm", "º"),
            Map.entry("raquo", "»"),
            Map.entry("frac14", "¼"),
            Map.entry("frac12", "½"),
            Map.entry("frac34", "¾"),
            Map.entry("iquest", "¿"),
            Map.entry("Agrave", "À"),
            Map.entry("Aacute", "Á"),
            Map.entry("Acirc", "Â"),
            Map.entry("Atilde", "Ã"),
            Map.entry("Auml", "Ä"),
            Map.entry("Aring", "Å"),
            Map.entry("AElig", "Æ"),
            Map.entry("Ccedil", "Ç"),
            Map.entry("Egrave", "È"),
            Map.entry("Eacute", "É"),
            Map.entry("Ecirc", "Ê"),
            Map.entry("Euml", "Ë"),
            Map.entry("Igrave", "Ì"),
            Map.entry("Iacute", "Í"),
            Map.entry("Icirc", "Î"),
            Map.entry("Iuml", "Ï"),
            Map.entry("ETH", "Ð"),
            Map.entry("Ntilde", "Ñ"),
            Map.entry("Ograve", "Ò"),
            Map.entry("Oacute", "Ó"),
            Map.entry("Ocirc", "Ô"),
            Map.entry("Otilde", "Õ"),
            Map.entry("Ouml", "Ö"),
            Map.entry("times", "×"),
            Map.entry("Oslash", "Ø"),
            Map.entry("Ugrave", "Ù"),
            Map.entry("Uacute", "Ú"),
            Map.entry("Ucirc", "Û"),
            Map.entry("Uuml", "Ü"),
            Map.entry("Yacute", "Ý"),
            Map.entry("THORN", "Þ"),
            Map.entry("szlig", "ß"),
            Map.entry("agrave", "à"),
            Map.entry("aacute", "á"),
            Map.entry("acirc", "â"),
            Map.entry("atilde", "ã"),
            Map.entry("auml", "ä"),
            Map.entry("aring", "å"),
            Map.entry("aelig", "æ"),
            Map.entry("ccedil", "ç"),
            Map.entry("egrave", "è"),
            Map.entry("eacute", "é"),
            Map.entry("ecirc", "ê"),
            Map.entry("euml", "ë"),
            Map.entry("igrave", "ì"),
            Map.entry("iacute", "í"),
            Map.entry("icirc", "î"),
            Map.entry("iuml", "ï"),
            Map.entry("eth", "ð"),
            Map.entry("ntilde", "ñ"),
            Map.entry("ograve", "ò"),
            Map.entry("oacute", "ó"),
            Map.entry("ocirc", "ô"),
            Map.entry("otilde", "õ"),
            Map.entry("ouml", "ö"),
            Map.entry("divide", "÷"),
            Map.entry("oslash", "ø"),
            Map.entry("ugrave", "ù"),
            Map.entry("uacute", "ú"),
            Map.entry("ucirc", "û"),
            Map.entry("uuml", "ü"),
            Map.entry("yacute", "ý"),
            Map.entry("thorn", "þ"),
            Map.entry("yuml", "ÿ"),
            Map.entry("AMP", "&"),
            Map.entry("LT", "<"),
            Map.entry("GT", ">"),
            Map.entry("QUOT", "\""),
            Map.entry("COPY", "©"),
            Map.entry("REG", "®"));

    /** Names recognised only with a semicolon. */
    private static final Map<String, String> SEMICOLON_ONLY = Map.ofEntries(
            Map.entry("apos", "'"),
            Map.entry("euro", "€"),
            Map.entry("trade", "™"),
            Map.entry("hellip", "…"),
            Map.entry("mdash", "—"),
            Map.entry("ndash", "–"),
            Map.entry("lsquo", "‘"),
            Map.entry("rsquo", "’"),
            Map.entry("sbquo", "‚"),
            Map.entry("ldquo", "“"),
            Map.entry("rdquo", "”"),
            Map.entry("bdquo", "„"),
            Map.entry("bull", "•"),
            Map.entry("dagger", "†"),
            Map.entry("Dagger", "‡"),
            Map.entry("permil", "‰"),
            Map.entry("lsaquo", "‹"),
            Map.entry("rsaquo", "›"),
            Map.entry("oelig", "œ"),
            Map.entry("OElig", "Œ"),
            Map.entry("scaron", "š"),
            Map.entry("Scaron", "Š"),
            Map.entry("Yuml", "Ÿ"),
            Map.entry("fnof", "ƒ"),
            Map.entry("circ", "ˆ"),
            Map.entry("tilde", "˜"),
            Map.entry("ensp", "\u2002"),
            Map.entry("emsp", "\u2003"),
            Map.entry("thinsp", "\u2009"),
            Map.entry("zwnj", "\u200c"),
            Map.entry("zwj", "\u200d"),
            Map.entry("larr", "←"),
            Map.entry("rarr", "→"),
            Map.entry("uarr", "↑"),
            Map.entry("darr", "↓"),
            Map.entry("hearts", "♥"),
            Map.entry("infin", "∞"),
            Map.entry("ne", "≠"),
            Map.entry("le", "≤"),
            Map.entry("ge", "≥"),
            Map.entry("minus", "−"),
            Map.entry("prime", "′"),
            Map.entry("Prime", "″"),
            Map.entry("alpha", "α"),
            Map.entry("beta", "β"),
            Map.entry("gamma", "γ"),
            Map.entry("delta", "δ"),
            Map.entry("pi", "π"),
            Map.entry("mu", "μ"),
            Map.entry("sigma", "σ"),
            Map.entry("omega", "ω"));

    /** Windows-1252 meanings Python gives to references 0x80..0x9F. */
    private static final String CP1252_80_9F = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

    private HtmlEntities() {}

    /** Decodes the character references in {@code text}. */
    static String unescape(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        while (m.find()) {
            out.append(text, last, m.start());
            out.append(replacement(m.group(1)));
            last = m.end();
        }
        return out.append(text, last, text.length()).toString();
    }

    private static String replacement(String body) {
        if (body.charAt(0) == '#') {
            return numeric(body);
        }
        boolean semicolon = body.endsWith(";");
        String name = semicolon ? body.substring(0, body.length() - 1) : body;
        if (semicolon) {
            String value = LEGACY.getOrDefault(name, SEMICOLON_ONLY.get(name));
            if (value != null) {
                return value;
            }
        }
        for (int end = name.length(); end > 1; end--) { // longest legacy name that prefixes the text
            String value = LEGACY.get(name.substring(0, end));
            if (value != null) {
                return value + body.substring(end);
            }
        }
        return "&" + body;
    }

    private static String numeric(String body) {
        String digits = body.endsWith(";") ? body.substring(1, body.length() - 1) : body.substring(1);
        long code;
        try {
            code = digits.charAt(0) == 'x' || digits.charAt(0) == 'X'
                    ? Long.parseLong(digits.substring(1), 16)
                    : Long.parseLong(digits);
        } catch (NumberFormatException e) { // more digits than a long holds: out of range like Python's
            return "\ufffd";
        }
        if (code == 0 || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
            return "\ufffd";
        }
        if (code == 0x0d) {
            return "\r";
        }
        if (code >= 0x80 && code <= 0x9f) {
            return String.valueOf(CP1252_80_9F.charAt((int) code - 0x80));
        }
        if ((code >= 0x1 && code <= 0x8)
                || code == 0xb
                || (code >= 0xe && code <= 0x1f)
                || (code >= 0x7f && code <= 0x9f)
                || (code >= 0xfdd0 && code <= 0xfdef)
                || (code & 0xfffe) == 0xfffe) {
            return ""; // Python drops these invalid code points
        }
        return new String(Character.toChars((int) code));
    }
}
