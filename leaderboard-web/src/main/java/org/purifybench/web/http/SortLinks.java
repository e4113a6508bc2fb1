package org.purifybench.web.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.purifybench.web.board.Leaderboard;

/**
 * Query strings for the leaderboard's column headers: clicking a column sorts by it, clicking it
 * again reverses; the track and the attack filter are kept.
 */
public final class SortLinks {

    private final Leaderboard board;

    SortLinks(Leaderboard board) {
        this.board = board;
    }

    public String sortBy(String key) {
        boolean same = board.sort().equals(key);
        String dir = same ? (board.dir().equals("asc") ? "desc" : "asc") : defaultDir(key);
        return "/?" + base() + "&sort=" + key + "&dir=" + dir;
    }

    /** Arrow shown beside the active column. */
    public String marker(String key) {
        return !board.sort().equals(key) ? "" : board.dir().equals("asc") ? " ▲" : " ▼";
    }

    private static String defaultDir(String key) {
        return key.equals("c-acc") || key.equals("p-c-acc") ? "desc" : "asc";
    }

    /** Link to an entry's page (its defense at its setting) in the same track and profile. */
    public String defense(org.purifybench.web.board.Standing s) {
        StringBuilder q = new StringBuilder("/defenses/").append(org.purifybench.web.board.Urls.segment(s.defense()))
                .append("?").append(board.track().query());
        if (board.profile() != null) {
            q.append("&profile=").append(URLEncoder.encode(board.profile(), StandardCharsets.UTF_8));
        }
        q.append("&setting=").append(URLEncoder.encode(s.setting(), StandardCharsets.UTF_8));
        return q.toString();
    }

    private String base() {
        StringBuilder q = new StringBuilder(board.track().query());
        if (board.profile() != null) {
            q.append("&profile=").append(URLEncoder.encode(board.profile(), StandardCharsets.UTF_8));
        }
        if (!board.attacks().equals(board.trackAttacks())) {
            board.attacks().forEach(a -> q.append("&attack=").append(URLEncoder.encode(a, StandardCharsets.UTF_8)));
        }
        return q.toString();
    }
}
