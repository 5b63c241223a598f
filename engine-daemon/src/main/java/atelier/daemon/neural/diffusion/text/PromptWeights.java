package atelier.daemon.neural.diffusion.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Emphasis as artists write it, with ComfyUI's rules: {@code (words)} multiplies the weight of
 * what it holds by 1.1, nested parentheses multiply again, {@code (words:1.3)} gives them
 * weight 1.3 (a number replaces the 1.1, it is not multiplied by the enclosing weights, as in
 * ComfyUI), {@code \(} and {@code \)} are literal parentheses. Atelier also reads A1111's
 * {@code [words]}, dividing by 1.1 (ComfyUI keeps square brackets as text). A parenthesis that
 * is never closed is text.
 */
public final class PromptWeights {

    /** A run of prompt text and the weight its tokens get. */
    public record Segment(String text, double weight) {
    }

    private static final double STEP = 1.1;

    private PromptWeights() {
    }

    public static List<Segment> parse(String prompt) {
        List<Segment> out = new ArrayList<>();
        weigh(prompt, 1.0, out);
        List<Segment> merged = new ArrayList<>();
        for (Segment s : out) {
            String text = unescape(s.text());
            if (text.isEmpty()) {
                continue;
            }
            Segment last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last.weight() == s.weight()) {
                merged.set(merged.size() - 1, new Segment(last.text() + text, s.weight()));
            } else {
                merged.add(new Segment(text, s.weight()));
            }
        }
        return merged;
    }

    /** ComfyUI's token_weights: top-level groups in order, a group's inside weighed recursively. */
    private static void weigh(String text, double weight, List<Segment> out) {
        for (String group : groups(text)) {
            boolean round = group.length() >= 2 && group.charAt(0) == '(' && group.charAt(group.length() - 1) == ')';
            boolean square = group.length() >= 2 && group.charAt(0) == '[' && group.charAt(group.length() - 1) == ']';
            if (round) {
                String inside = group.substring(1, group.length() - 1);
                double inner = weight * STEP;
                int colon = inside.lastIndexOf(':');
                if (colon > 0) {
                    try {
                        inner = Double.parseDouble(inside.substring(colon + 1).trim());
                        inside = inside.substring(0, colon);
                    } catch (NumberFormatException notAWeight) {
                        // "(a:b)" without a number: the colon is text, the group gets 1.1
                    }
                }
                weigh(inside, inner, out);
            } else if (square) {
                weigh(group.substring(1, group.length() - 1), weight / STEP, out);
            } else {
                out.add(new Segment(group, weight));
            }
        }
    }

    /** The text cut at its top-level brackets: plain runs and whole bracketed groups, escapes kept as written. */
    private static List<String> groups(String text) {
        List<String> groups = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        char open = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                current.append(c).append(text.charAt(++i));
                continue;
            }
            if (depth == 0 && (c == '(' || c == '[')) {
                if (current.length() > 0) {
                    groups.add(current.toString());
                    current.setLength(0);
                }
                open = c;
                depth = 1;
                current.append(c);
            } else if (depth > 0 && c == open) {
                depth++;
                current.append(c);
            } else if (depth > 0 && c == (open == '(' ? ')' : ']')) {
                depth--;
                current.append(c);
                if (depth == 0) {
                    groups.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            // An unclosed bracket: its text stays, the bracket itself escaped so it is read as text.
            groups.add(depth > 0 ? "\\" + current : current.toString());
        }
        return groups;
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && "()[]\\".indexOf(text.charAt(i + 1)) >= 0) {
                out.append(text.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
