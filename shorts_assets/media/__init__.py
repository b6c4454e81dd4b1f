"""Pure ffmpeg work: no Dagster here, so every function can be tested on tiny generated inputs."""
