package org.purifybench.web.http;

import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.exceptions.BufferLengthExceededException;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.http.server.exceptions.ErrorResponseProcessorExceptionHandler;
import io.micronaut.http.server.exceptions.NotAllowedException;
import io.micronaut.http.server.exceptions.UnsupportedMediaException;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.views.ViewsRenderer;
import io.micronaut.web.router.exceptions.UnsatisfiedBodyRouteException;
import io.micronaut.views.ViewsRendererLocator;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.purifybench.web.board.BadQueryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site's one error format: the error page (views/error.html) for pages, {@code {"status", "error"}}
 * ({@link ApiError}) for {@code /api}. Micronaut sends every error it makes itself (unknown URL, wrong
 * method or content type, a parameter that does not convert, a missing body, a body or URL over the
 * limits, authentication, an unexpected exception) through the one {@link ErrorResponseProcessor}
 * bean, and the site's own exceptions have handlers below that use it too, so no error can come back
 * in Micronaut's default JSON. The page is rendered here, not by the views filter, because decoding
 * failures (a URL or headers over Netty's limits) are answered before any filter runs.
 */
@Singleton
public final class SiteErrors implements ErrorResponseProcessor<Object> {

    private static final Logger LOG = LoggerFactory.getLogger(SiteErrors.class);

    private final ViewsRendererLocator views;
    private final long importMaxBytes;
    private final long maxRequestBytes;

    SiteErrors(ViewsRendererLocator views, @Value("${purifybench.import.max-bytes}") long importMaxBytes,
               HttpServerConfiguration server) {
        this.views = views;
        this.importMaxBytes = importMaxBytes;
        this.maxRequestBytes = server.getMaxRequestSize();
    }

    /** JSON for the API, the error page for everything else (pages, charts, static files, admin forms). */
    static boolean isApi(HttpRequest<?> request) {
        String path = request.getPath();
        return path.equals("/api") || path.startsWith("/api/");
    }

    /** An error response in the site's format, for handlers and filters that know status and message. */
    MutableHttpResponse<Object> respond(HttpRequest<?> request, HttpStatus status, String message) {
        return format(request, HttpResponse.status(status), status, message);
    }

    @Override
    public MutableHttpResponse<Object> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
        HttpRequest<?> request = context.getRequest();
        HttpStatus status = response.status();
        Optional<Throwable> cause = context.getRootCause();
        // Netty refuses a request line or headers over its limits before routing; Micronaut calls all of these 413.
        Throwable decoding = request instanceof NettyHttpRequest<?> n && n.getNativeRequest().decoderResult().isFailure()
                ? n.getNativeRequest().decoderResult().cause() : null;
        String message;
        if (decoding instanceof TooLongHttpLineException) {
            status = HttpStatus.REQUEST_URI_TOO_LONG;
            message = "the URL is too long - the site accepts at most " + ErrorFormatFilter.MAX_URI_CHARS
                    + " characters; use fewer or shorter query parameters";
        } else if (decoding instanceof TooLongHttpHeaderException) {
            status = HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "the request's headers are too large - send fewer or smaller headers (cookies)";
        } else {
            message = message(context, status, cause.orElse(null));
        }
        response.status(status);
        return format(request, response, status, message);
    }

    private String message(ErrorContext context, HttpStatus status, Throwable cause) {
        String given = context.getErrors().stream().map(Error::getMessage).findFirst().orElse(status.getReason());
        String path = context.getRequest().getPath();
        return switch (status) {
            // The API's one body is a results document (POST /api/admin/runs).
            case BAD_REQUEST -> cause instanceof UnsatisfiedBodyRouteException
                    ? "the request has no body - send the results document as the body (Content-Type: application/json)"
                    : given;
            case NOT_FOUND -> cause instanceof io.micronaut.http.server.exceptions.NotFoundException
                    ? "nothing at " + QueryParams.shorten(path) + " - the leaderboard is at /, the JSON API starts at /api/tracks"
                    : given;
            case METHOD_NOT_ALLOWED -> cause instanceof NotAllowedException e
                    ? "method " + e.getRequestMethod() + " is not allowed at " + QueryParams.shorten(path) + " - use "
                            + String.join(" or ", new TreeSet<>(e.getAllowedMethods()))
                    : given;
            case UNSUPPORTED_MEDIA_TYPE -> cause instanceof UnsupportedMediaException e
                    ? "content type " + e.getContentType() + " is not accepted at " + QueryParams.shorten(path) + " - send "
                            + String.join(" or ", e.getAcceptableContentTypes())
                    : given;
            case REQUEST_ENTITY_TOO_LARGE -> tooLarge(cause, given);
            case INTERNAL_SERVER_ERROR -> "internal error - the server's log has the details";
            default -> given;
        };
    }

    private String tooLarge(Throwable cause, String given) {
        if (cause instanceof BufferLengthExceededException e) {
            return "the request body has " + e.getReceivedLength() + " bytes, over the limit: a results document may have at most "
                    + importMaxBytes + " bytes (purifybench.import.max-bytes)";
        }
        if (cause instanceof ContentLengthExceededException) {
            return "the request is over the limit (" + given + ") - a request may have at most " + maxRequestBytes
                    + " bytes (micronaut.server.max-request-size), a results document " + importMaxBytes
                    + " bytes (purifybench.import.max-bytes)";
        }
        return given;
    }

    @SuppressWarnings("unchecked")
    private MutableHttpResponse<Object> format(HttpRequest<?> request, MutableHttpResponse<?> response, HttpStatus status,
                                               String message) {
        MutableHttpResponse<Object> r = (MutableHttpResponse<Object>) response;
        SecurityHeadersFilter.protect(r);
        if (request.getMethod() == HttpMethod.HEAD) {
            return r;
        }
        if (isApi(request)) {
            return r.<Object>body(new ApiError(status.getCode(), message)).contentType(MediaType.APPLICATION_JSON_TYPE);
        }
        return r.<Object>body(page(request, status, message)).contentType(MediaType.TEXT_HTML_TYPE);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private String page(HttpRequest<?> request, HttpStatus status, String message) {
        Map<String, Object> model = Map.of("status", status.getCode(), "message", message);
        try {
            Optional<ViewsRenderer> renderer = views.resolveViewsRenderer("error", MediaType.TEXT_HTML, model);
            if (renderer.isPresent()) {
                StringWriter out = new StringWriter();
                renderer.get().render("error", model, request).writeTo(out);
                return out.toString();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("the error page could not be rendered; answering with a plain one", e);
        }
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error " + status.getCode()
                + "</title></head><body><h1>Error " + status.getCode() + "</h1><p>" + escape(message) + "</p></body></html>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A query parameter the site cannot honour: 400 in the site's format. */
    @Singleton
    static final class BadQueryHandler extends ErrorResponseProcessorExceptionHandler<BadQueryException> {
        BadQueryHandler(SiteErrors errors) {
            super(errors);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(BadQueryException exception) {
            return HttpResponse.badRequest();
        }
    }

    /** A track, defense or run that is not published: 404 in the site's format. */
    @Singleton
    static final class NotFoundHandler extends ErrorResponseProcessorExceptionHandler<TrackResolver.NotFoundException> {
        NotFoundHandler(SiteErrors errors) {
            super(errors);
        }

        @Override
        protected MutableHttpResponse<?> createResponse(TrackResolver.NotFoundException exception) {
            return HttpResponse.notFound();
        }
    }
}
