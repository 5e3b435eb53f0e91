"""The ground of the loyalty programme: errors, domain, wire and code formats; imports nothing else of ours."""
