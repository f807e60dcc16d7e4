# The pages of `bulkqa serve`, built into the program: the review page at /, the admin page (review
# progress) at /admin, and their assets. "<URL path>|<media type>|<file>"
# (files relative to the source root; text types are served as UTF-8). Included by
# src/CMakeLists.txt and embed_web_assets.cmake.
set(BULKQA_WEB_ASSETS
    "/|text/html|web/review.html"
    "/invite|text/html|web/invite.html"
    "/assets/invite.mjs|text/javascript|web/invite.mjs"
    "/assets/review.css|text/css|web/review.css"
    "/assets/review_page.mjs|text/javascript|web/review_page.mjs"
    "/assets/crowd_elements.mjs|text/javascript|web/crowd_elements.mjs"
    "/assets/ground_truth_liquid.mjs|text/javascript|web/ground_truth_liquid.mjs"
    "/admin|text/html|web/admin.html"
    "/assets/admin.css|text/css|web/admin.css"
    "/assets/admin.mjs|text/javascript|web/admin.mjs"
    "/assets/liquid.browser.min.js|text/javascript|node_modules/liquidjs/dist/liquid.browser.min.js")
