package io.tagclip.app;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Health and metrics ({@code /q/*}) only answer reads: any other method gets 405 with {@code Allow: GET, HEAD},
 * before Quarkus's handlers see the request (which would answer a POST of any size with 200).
 */
@ApplicationScoped
public class ReadOnlyEndpoints {

    /** Ahead of every route Quarkus registers. */
    private static final int FIRST = Integer.MIN_VALUE + 1;

    void routes(@Observes Router router) {
        router.route("/q/*").order(FIRST).handler(ctx -> {
            HttpMethod method = ctx.request().method();
            if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
                ctx.next();
            } else {
                ctx.response()
                        .setStatusCode(405)
                        .putHeader("Allow", "GET, HEAD")
                        .end();
            }
        });
    }
}
