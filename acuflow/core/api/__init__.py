"""The API toolkit every app's api.py uses: authentication, the error shape, input
schemas. The aggregating package `acuflow.api` mounts the routers."""
