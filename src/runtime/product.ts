/**
 * How ngts names itself where nginx writes `nginx/1.22.1`: the `Server` header and the signature
 * line of error pages (`server_tokens` decides whether the version shows, as in nginx).
 */
export const PRODUCT = 'ngts';
/** Kept equal to package.json's version (test/runtime/product.test.ts checks it). */
export const PRODUCT_VERSION = '0.1.0';
/** The nginx release whose behaviour ngts follows. */
export const NGINX_VERSION = '1.22.1';
