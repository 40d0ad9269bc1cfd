"""The knowledge graph: Bolt access to Neo4j or the embedded ArcadeDB server, one code path."""
