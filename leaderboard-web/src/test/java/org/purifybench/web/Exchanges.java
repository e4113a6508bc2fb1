package org.purifybench.web;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;

/** One HTTP exchange whatever its status: tests look at 4xx answers as closely as at 2xx. */
public final class Exchanges {
    private Exchanges() {
    }

    public static HttpResponse<String> send(HttpClient http, HttpRequest<?> request) {
        try {
            return http.toBlocking().exchange(request, String.class);
        } catch (HttpClientResponseException e) {
            @SuppressWarnings("unchecked")
            HttpResponse<String> r = (HttpResponse<String>) (HttpResponse<?>) e.getResponse();
            return r;
        }
    }
}
