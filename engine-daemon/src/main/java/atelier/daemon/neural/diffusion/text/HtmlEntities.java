package atelier.daemon.neural.diffusion.text;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTML character references prompts pasted from web pages carry ({@code &amp;},
 * {@code &#39;}, {@code &#x263A;}), decoded as OpenAI's CLIP tokenizer decodes them before
 * it cuts a prompt into pieces. Numeric references and the named ones that turn up in
 * prompts are decoded; any other text, a lone {@code &} included, stays as it is.
 */
final class HtmlEntities {

    private static final Pattern REFERENCE = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});?");
    private static final Map<String, String> NAMED = Map.of("amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'",
            "nbsp", "\u00a0", "copy", "\u00a9", "reg", "\u00ae", "hellip", "\u2026", "mdash", "\u2014");

    private HtmlEntities() {
    }

    static String decode(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(character(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String character(String name, String whole) {
        if (name.charAt(0) == '#') {
            boolean hex = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X');
            int code = Integer.parseInt(name.substring(hex ? 2 : 1), hex ? 16 : 10);
            return Character.isValidCodePoint(code) && code != 0 ? new String(Character.toChars(code)) : "\uFFFD";
        }
        // Named references need their semicolon, except the few browsers accept without one.
        String decoded = NAMED.get(name);
        return decoded != null && (whole.endsWith(";") || name.equals("amp") || name.equals("lt") || name.equals("gt"))
                ? decoded : whole;
    }
}
