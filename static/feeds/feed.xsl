<?xml version="1.0" encoding="utf-8"?>
<!-- How a feed (RSS 2.0 or Atom 1.0) reads in a browser: a page saying what a feed is, with its
     stories as links. Feed readers ignore it: the document stays the feed it was. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:template match="/">
    <html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <link rel="stylesheet" href="/static/css/site.css"/>
        <link rel="stylesheet" href="/static/feeds/feed.css"/>
      </head>
      <body>
        <main id="main" class="site-main feed-page">
          <p class="feed-page__kind">Feed</p>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="feed-page__about">This is a news feed. Copy this page’s address into a feed
            reader app to follow these stories as they are published; you do not need to read
            it here.</p>
          <p><a href="{/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href}">Read
            them on the site</a></p>
          <h2 class="section-heading">Latest stories</h2>
          <ol class="feed-page__items">
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>
  <xsl:template match="item">
    <li>
      <h3 class="card__headline"><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="card__meta"><xsl:value-of select="substring(pubDate, 6, 11)"/></p>
    </li>
  </xsl:template>
  <xsl:template match="atom:entry">
    <li>
      <h3 class="card__headline">
        <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      </h3>
      <p class="card__meta"><xsl:value-of select="substring(atom:published, 1, 10)"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
