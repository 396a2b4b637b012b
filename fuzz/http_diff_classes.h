/* The documented classes of difference between http.c and the libraries,
 * in the order they are tried (X-macro: HD_CLASS(name, libraries, rule)).
 * Each has a predicate of the same name in http_diff.c, whose comment
 * gives the rule in full, and a row in fuzz/DIFFERENTIAL.md. */

/* http.c rejects, the library accepts. */
HD_CLASS(bare_cr, "libhtp, http-parser", "RFC 9112 2.2")
HD_CLASS(leading_empty_lines, "libhtp, http-parser", "RFC 9112 2.2")
HD_CLASS(request_line_ws, "libhtp, http-parser", "RFC 9112 3")
HD_CLASS(method_not_token, "libhtp", "RFC 9112 3.1")
HD_CLASS(target_ctl, "libhtp", "RFC 9112 3.2")
HD_CLASS(version, "libhtp, http-parser", "RFC 9112 2.3, 2.5")
HD_CLASS(status_line_ws, "libhtp, http-parser", "RFC 9112 4")
HD_CLASS(status_code, "libhtp, http-parser", "RFC 9112 4, RFC 9110 15")
HD_CLASS(reason_ctl, "libhtp, http-parser", "RFC 9112 4")
HD_CLASS(ws_after_start_line, "libhtp, http-parser", "RFC 9112 2.2")
HD_CLASS(ws_before_colon, "http-parser", "RFC 9112 5.1")
HD_CLASS(field_name_not_token, "libhtp, http-parser", "RFC 9110 5.1")
HD_CLASS(value_ctl, "libhtp, http-parser", "RFC 9110 5.5")

/* http.c does not trust the framing (intended, stricter). */
HD_CLASS(untrusted_cl_te, "libhtp", "RFC 9112 6.3 item 3")
HD_CLASS(untrusted_cl_conflict, "libhtp", "RFC 9110 8.6, RFC 9112 6.3 item 5")
HD_CLASS(untrusted_cl_invalid, "libhtp, http-parser", "RFC 9110 8.6, RFC 9112 6.3 item 5")
HD_CLASS(untrusted_cl_overflow, "http-parser", "RFC 9110 8.6")
HD_CLASS(untrusted_cl_leading_zero, "libhtp, http-parser", "RFC 9110 8.6")
HD_CLASS(untrusted_te_not_chunked, "libhtp, http-parser",
         "RFC 9112 6.1, 6.3 item 4, 7.1")
HD_CLASS(untrusted_obs_fold, "libhtp, http-parser", "RFC 9112 5.2")

/* http.c follows the RFC where the library does not, or does not need
 * what the library checks. */
HD_CLASS(no_body_cl_syntax, "libhtp, http-parser", "RFC 9112 6.3 items 1-2")
HD_CLASS(no_body_status, "libhtp, http-parser", "RFC 9112 6.3 item 1")
HD_CLASS(status_101, "libhtp, http-parser", "RFC 9110 15.2.2")
HD_CLASS(request_upgrade, "http-parser", "RFC 9110 7.8, 9.3.6")
HD_CLASS(te_chunked_not_final, "libhtp", "RFC 9112 6.3 item 4")
HD_CLASS(cl_duplicate, "libhtp, http-parser", "RFC 9110 8.6")
HD_CLASS(cl_htab, "http-parser", "RFC 9112 5.1")
HD_CLASS(unknown_method, "http-parser", "RFC 9110 9.1")
HD_CLASS(target_form, "http-parser", "RFC 9112 3.2")
HD_CLASS(minor_version, "libhtp", "RFC 9110 2.5")
HD_CLASS(multipart_byteranges, "libhtp", "RFC 9112 6.3 item 8")
HD_CLASS(request_te_list, "libhtp", "RFC 9112 6.1, 6.3 item 4")
HD_CLASS(te_name_prefix, "http-parser", "RFC 9110 5.1")
HD_CLASS(lf_cr, "libhtp", "RFC 9112 2.2")
HD_CLASS(sp_lf_head_end, "libhtp", "RFC 9112 5.2")
HD_CLASS(te_list_misread, "http-parser", "RFC 9112 6.1, RFC 9110 5.6.1")
