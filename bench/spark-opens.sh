# Sourced by the Spark bench scripts: the --add-opens Spark needs on Java 17, as the array `opens`
# (the ./densefractal launcher, which must stand alone, carries the same list).
opens=(java.lang java.nio sun.nio.ch java.util java.lang.invoke sun.util.calendar java.util.concurrent
  java.net java.io)
opens=("${opens[@]/#/--add-opens=java.base/}")
opens=("${opens[@]/%/=ALL-UNNAMED}")
