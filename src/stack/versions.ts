/**
 * The versions the local stack runs. They are pinned together: the Elasticsearch client's
 * major must match the server's, and the SLF4J binding must match the log4j2 version that
 * this Kafka release pins (Kafka's published POM leaves the binding out).
 */
export const KAFKA_VERSION = '4.4.0';
/** Kafka 4.4.0 resolves log4j-api/core 2.25.5 and slf4j-api 1.7.36 at runtime scope. */
export const KAFKA_LOG4J_VERSION = '2.25.5';
/** slf4j-api 1.7.x needs the SLF4J 1 binding (log4j-slf4j-impl), not log4j-slf4j2-impl. */
export const KAFKA_SLF4J_BINDING = 'log4j-slf4j-impl';

/** 9.x integ-test-zips are not on Maven Central; 8.19.21 is the newest one that is. */
export const ES_VERSION = '8.19.21';
export const ES_ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;

export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';

/** Kafka 4.x brokers need Java 17; ES 8.19 runs on 17 and newer (verified on Temurin 25). */
export const KAFKA_MIN_JAVA = 17;
export const ES_MIN_JAVA = 17;
